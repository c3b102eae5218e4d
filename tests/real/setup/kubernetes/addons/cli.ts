/**
 * The addons by hand, on the suite's cluster (started or reused):
 *   node dist/tests/real/setup/kubernetes/addons/cli.js images   build the addon images and import them into the node
 *   node dist/tests/real/setup/kubernetes/addons/cli.js install  install every addon and wait until it is ready
 *   node dist/tests/real/setup/kubernetes/addons/cli.js check    install, then prove each addon works (checks.ts);
 *                                                                prints the findings as JSON
 */
import { startEngine } from "../../engine";
import { startCluster } from "../cluster";
import { checkAddons } from "./checks";
import { ensureAddonImages, installAddons } from "./index";

const log = (line: string): void => console.error(`[addons ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function main(command: string | undefined): Promise<void> {
  if (command !== "images" && command !== "install" && command !== "check") {
    throw new Error(`usage: cli.js images|install|check (got ${command ?? "nothing"})`);
  }
  const engine = await startEngine(log);
  const cluster = await startCluster(log);
  if (command === "images") {
    console.log(JSON.stringify(await ensureAddonImages(cluster, engine, log), null, 2));
    return;
  }
  const install = await installAddons(cluster, engine, log);
  if (command === "install") {
    console.log(JSON.stringify(install, null, 2));
    return;
  }
  const checks = await checkAddons(cluster, engine, log);
  console.log(JSON.stringify({ install, checks }, null, 2));
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
