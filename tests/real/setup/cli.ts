/**
 * Runs the set-up's pieces by hand:
 *   node dist/tests/real/setup/cli.js engine   start (or find) the suite's Docker Engine and print DOCKER_HOST
 *   node dist/tests/real/setup/cli.js images   the engine, the Debian base and every stack's stand-in images
 *   node dist/tests/real/setup/cli.js verify   the engine's and the images' checks against the stack's flags
 *   node dist/tests/real/setup/cli.js stop     stop the suite's engine, whoever started it
 *   node dist/tests/real/setup/cli.js lock [context...]   regenerate the hashed lock files of the Prefect
 *                                              images (every context with a requirements.in, or those named)
 *   node dist/tests/real/setup/cli.js cluster        start (or reuse) the single-node Kubernetes cluster; prints its
 *                                              admin kubeconfig's path
 *   node dist/tests/real/setup/cli.js cluster-stop   stop the cluster (its state stays for the next start)
 *   node dist/tests/real/setup/cli.js cluster-import <tag...>   copy images from the engine into the node
 * The engine keeps running after `engine`, `images` and `verify`, so the next step reuses it.
 */
import { ensureBaseImage } from "./base-image";
import { startEngine, stopEngine } from "./engine";
import { ensureEveryStandInImage } from "./images";
import { lockedContexts, lockRequirements } from "./python-wheels";
import { clusterCommand } from "./kubernetes/cli";
import { verifyEngine, verifyImages } from "./verify";

const log = (line: string): void => console.error(`[setup ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(command: string | undefined, operands: string[]): Promise<void> {
  if (command?.startsWith("cluster")) return clusterCommand(command, process.argv.slice(3), log);
  switch (command) {
    case "engine": {
      const engine = await startEngine(log);
      console.log(`DOCKER_HOST=${engine.host}`);
      return;
    }
    case "images": {
      const engine = await startEngine(log);
      const result = await ensureEveryStandInImage(engine, log);
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    case "verify": {
      const engine = await startEngine(log);
      const images = await ensureEveryStandInImage(engine, log);
      // The engine's own checks need a server process; the python stand-in provides it.
      await verifyEngine(engine, images.stacks.dev.serving, log);
      await verifyImages(engine, images.stacks, log);
      return;
    }
    case "stop":
      log((await stopEngine(log)) ? "engine stopped" : "no engine was running");
      return;
    case "lock": {
      const engine = await startEngine(log);
      const base = await ensureBaseImage(engine, log);
      for (const context of operands.length > 0 ? operands : lockedContexts())
        await lockRequirements(engine, base, context, log);
      return;
    }
    default:
      throw new Error(`usage: cli.js engine|images|verify|stop|lock [context...] (got ${command ?? "nothing"})`);
  }
}

main(process.argv[2], process.argv.slice(3)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
