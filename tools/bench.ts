/**
 * npm run bench [-- --runs N] [-- --stack NAME]
 *
 * For each stack, times the offline render in a fresh process against a fresh
 * process that only loads the Pulumi SDK modules that stack needs, and prints
 * both medians and their ratio. The goal is a ratio of at most 1.3: the
 * platform's own work should cost little next to loading the SDKs.
 *
 * A third process, the floor, registers the same resources with the rendered
 * inputs but none of the program (tools/bench-floor.ts), separating the SDK's own per-resource cost under the
 * mock runtime from the platform's work; the render-to-floor ratio is the
 * share the project controls.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";

const RENDER_CLI = path.join(__dirname, "render", "cli.js");
const TRACE_HOOK = path.join(__dirname, "sdk-trace.js");
const FLOOR = path.join(__dirname, "bench-floor.js");
const GOAL = 1.3;

interface SdkTrace {
  requested: string[];
  packages: string[];
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { encoding: "utf8", env });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(" ")} failed:\n${child.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Which SDK modules the stack's render asks for (and which SDK packages end up loaded). */
export function traceSdkModules(stack: string, outDir: string): SdkTrace {
  const traceFile = path.join(outDir, `${stack}-sdk.json`);
  run(["--require", TRACE_HOOK, RENDER_CLI, "--stack", stack, "--out", outDir], {
    ...process.env,
    ML_PLATFORM_SDK_TRACE: traceFile,
  });
  return JSON.parse(fs.readFileSync(traceFile, "utf8")) as SdkTrace;
}

function main(): void {
  const { values } = parseArgs({
    options: { runs: { type: "string", default: "5" }, stack: { type: "string", multiple: true } },
  });
  const runs = Math.max(1, Number(values.runs));
  const stacks = values.stack ?? ["dev", "prod"];
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-bench-"));
  console.log(
    `median of ${runs} fresh processes per measurement (node ${process.version}, ${os.cpus().length} cores)\n`,
  );
  console.log("stack  resources  sdk-only ms  floor ms  render ms  render/sdk-only  goal  render/floor  sdk modules");
  let worst = 0;
  for (const stack of stacks) {
    const trace = traceSdkModules(stack, outDir);
    const loadOnly = `for (const m of ${JSON.stringify(trace.requested)}) require(m);`;
    const rendered = path.join(outDir, stack, "resources.json");
    const resourceCount = (JSON.parse(fs.readFileSync(rendered, "utf8")) as { resources: unknown[] }).resources.length;
    const baseline: number[] = [];
    const floor: number[] = [];
    const render: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so a slow moment of the machine hits both sides alike.
      baseline.push(
        run(["-e", loadOnly], { ...process.env, NODE_PATH: path.join(__dirname, "..", "..", "node_modules") }),
      );
      floor.push(run([FLOOR, rendered]));
      render.push(run([RENDER_CLI, "--stack", stack, "--out", outDir]));
    }
    const ratio = median(render) / median(baseline);
    worst = Math.max(worst, ratio);
    const columns = [
      stack.padEnd(6),
      String(resourceCount).padStart(9),
      median(baseline).toFixed(0).padStart(11),
      median(floor).toFixed(0).padStart(8),
      median(render).toFixed(0).padStart(9),
      ratio.toFixed(2).padStart(15),
      (ratio <= GOAL ? "met" : "MISS").padStart(5),
      (median(render) / median(floor)).toFixed(2).padStart(12),
    ];
    console.log(`${columns.join("  ")}  ${trace.requested.join(", ")}`);
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  console.log(`\nworst ratio ${worst.toFixed(2)} (goal ≤ ${GOAL})`);
}

if (require.main === module) main();
