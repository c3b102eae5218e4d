/**
 * npm run render -- --stack <name> [--stack <name>...] [--config <file>] [--out <dir>]
 *
 * Evaluates the program offline under Pulumi's mock runtime and writes the
 * result. Each stack renders in its own process because the runtime is global.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { ConfigError } from "../../config/load";
import { projectRoot } from "../../platform/project-root";
import { renderInProcess } from "./run";
import { readStackConfig, StackFileError } from "./stack-config";
import { writeRender } from "./write";

const USAGE = "usage: npm run render -- --stack <name> [--stack <name>...] [--config <file>] [--out <dir>]";

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function renderOne(stack: string, configFile: string | undefined, outDir: string): Promise<void> {
  const root = projectRoot();
  try {
    const source = readStackConfig(root, stack, configFile && path.resolve(configFile));
    const render = await renderInProcess(path.join(__dirname, "..", ".."), stack, source);
    const written = writeRender(render, outDir);
    process.stdout.write(`rendered ${stack}: ${render.resources.length} resources -> ${path.relative(process.cwd(), written) || "."}\n`);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StackFileError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        stack: { type: "string", multiple: true },
        config: { type: "string" },
        out: { type: "string", default: "out" },
      },
      allowPositionals: false,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const stacks = parsed.values.stack ?? [];
  const outDir = path.resolve(parsed.values.out ?? "out");
  if (stacks.length === 0) fail(USAGE);
  if (stacks.length > 1 && parsed.values.config) fail("--config applies to one stack; pass a single --stack with it");
  if (stacks.length === 1) return renderOne(stacks[0], parsed.values.config, outDir);

  for (const stack of stacks) {
    const child = spawnSync(process.execPath, [__filename, "--stack", stack, "--out", outDir], { stdio: "inherit" });
    if (child.status !== 0) process.exit(child.status ?? 1);
  }
}

main().catch((error: unknown) => fail(`render failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
