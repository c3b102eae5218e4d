/**
 * The real-runtime suite:
 *   npm run test:real                    every stack it knows
 *   npm run test:real -- --stack dev     one stack (dev: Docker Engine; prod: the single-node Kubernetes)
 *   npm run test:real -- --stack dev --keep   leave the platform running after the checks
 *   npm run test:real -- --stack dev --down   remove a kept platform (and stop the suite's engine or cluster)
 * Needs root. Each stack writes out/real/<stack>/summary.json; the last line
 * is "N passed, N failed", and the exit code is non-zero when any check failed.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { Checks } from "./checks";
import { runDev } from "./dev/scenario";
import { ComposeProject } from "./dev/compose-project";
import { removePlatform, runProd } from "./prod/scenario";
import { removeStaging, runStaging } from "./staging/scenario";
import { ensureCompose } from "./setup/compose";
import { startEngine, stopEngine } from "./setup/engine";
import { startCluster, stopCluster } from "./setup/kubernetes/cluster";
import { repoRoot } from "./setup/repo-paths";

/** Each stack's scenario, in the order the suite runs them. */
const SCENARIOS = { dev: runDev, staging: runStaging, prod: runProd } as const;
type Stack = keyof typeof SCENARIOS;
const KNOWN_STACKS = Object.keys(SCENARIOS) as Stack[];
const USAGE = `usage: npm run test:real -- [--stack ${KNOWN_STACKS.join("|")}]... [--keep | --down]`;

function log(line: string): void {
  process.stderr.write(`[real ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function downProd(): Promise<void> {
  const rendered = path.join(repoRoot(), "out", "real", "prod", "render", "prod");
  if (fs.existsSync(path.join(rendered, "manifests"))) await removePlatform(await startCluster(log), rendered, log);
  else log(`no kept prod platform (${path.relative(repoRoot(), rendered)} does not exist)`);
  log((await stopCluster(log)) ? "stopped the suite's cluster" : "the suite's cluster was not running");
}

async function down(stack: Stack): Promise<void> {
  if (stack === "prod") return downProd();
  if (stack === "staging") {
    await removeStaging(await startEngine(log), log);
    log((await stopEngine(log)) ? "stopped the suite's engine" : "the suite's engine was not running");
    return;
  }
  const file = path.join(repoRoot(), "out", "real", stack, "render", stack, "compose.yaml");
  if (fs.existsSync(file)) {
    const engine = await startEngine(log);
    const compose = await ensureCompose(log);
    await new ComposeProject(file, compose.binary, engine, log).down(true);
    log(`removed the kept ${stack} platform`);
  } else log(`no kept ${stack} platform (${path.relative(repoRoot(), file)} does not exist)`);
  log((await stopEngine(log)) ? "stopped the suite's engine" : "the suite's engine was not running");
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: "string", multiple: true },
        keep: { type: "boolean", default: false },
        down: { type: "boolean", default: false },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const stacks = (values.stack ?? KNOWN_STACKS) as Stack[];
  for (const stack of stacks)
    if (!KNOWN_STACKS.includes(stack)) fail(`the suite knows stacks ${KNOWN_STACKS.join(", ")}, not "${stack}"`);
  if (values.keep && values.down) fail("--keep and --down exclude each other");
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    fail("the real-runtime suite needs root: it installs packages and runs its own Docker Engine");

  if (values.down) {
    for (const stack of stacks) await down(stack);
    return;
  }
  const checks = new Checks((line) => process.stdout.write(`${line}\n`));
  for (const stack of stacks) {
    const started = Date.now();
    const summary = await SCENARIOS[stack]({ keep: values.keep === true, log, checks });
    const file = path.join(repoRoot(), "out", "real", stack, "summary.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const document = { stack, seconds: Math.round((Date.now() - started) / 1000), ...summary, checks: checks.results };
    fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
    log(`${stack}: ${path.relative(repoRoot(), file)}`);
  }
  process.stdout.write(`${checks.passed} passed, ${checks.failed} failed\n`);
  if (checks.failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `real-runtime suite failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
