/**
 * npm run bench [-- --runs N] [-- --stack NAME] [-- --suite-runs N]
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
 *
 * Then the feedback loop, each ratio against a measurement of the same run
 * (interleaved, medians):
 * - the whole `npm test` (type-check, build, lint, mocha) from a clean
 *   state (no build stamp, no incremental build info, no lint caches, no
 *   code cache: what a fresh clone does) against `tsc --noEmit` alone; goal
 *   at most 5;
 * - a second `npm run render -- --stack dev` with nothing changed against the
 *   render's own work (`node dist/tools/render/cli.js`); goal at most 1.2;
 * - `npm run diff -- --stack dev --base HEAD~1` against the render's own
 *   work; goal at most 2.5. A base other than the working tree, since a
 *   working tree that is its base renders each stack once. Its first run
 *   prepares the base (printed apart); the median includes it.
 * `--suite-runs 0` leaves out the test suite (it takes minutes).
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
const PROJECT = path.join(__dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const LOOP_GOALS = { suite: 5, secondRender: 1.2, diff: 2.5 };

export interface SdkTrace {
  requested: string[];
  packages: string[];
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  return timed(process.execPath, args, env);
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint();
  const child = spawnSync(command, args, { encoding: "utf8", env, cwd: PROJECT, maxBuffer: 256 * 1024 * 1024 });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${child.status}):\n${child.stderr}\n${child.stdout.slice(-4000)}`,
    );
  }
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

/** What a fresh clone has not got: the build's stamp and state, the lint caches, Node.js's code cache and prepared diff bases. */
function cleanBuildState(): void {
  for (const entry of [
    path.join("dist", ".build-stamp"),
    path.join("dist", ".tsbuildinfo"),
    path.join("dist", ".transpiled"),
    path.join("dist", ".checked"),
    // Node.js's compiled-code cache that the tests turn on (tests/support/compile-cache.ts).
    path.join("node_modules", ".cache", "node-compile-cache"),
    path.join("node_modules", ".cache", "eslint"),
    path.join("node_modules", ".cache", "prettier"),
    // The offline diff's transpiled bases, which the diff tests prepare.
    path.join("node_modules", ".cache", "ml-platform", "diff-base"),
  ])
    fs.rmSync(path.join(PROJECT, entry), { recursive: true, force: true });
}

interface LoopRow {
  label: string;
  times: number[];
  against?: { label: string; times: number[] };
  goal?: number;
  note?: string;
}

/** The machine's 1-, 5- and 15-minute load averages: a busy machine slows every side of a ratio, not always alike. */
function load(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
}

function printLoop(rows: LoopRow[], loadBefore: string): number {
  console.log(`\nfeedback loop (load average ${loadBefore} before, ${load()} after)`);
  console.log(`${"".padEnd(44)}  median ms  runs ms                         ratio  goal`);
  let misses = 0;
  for (const row of rows) {
    const ratio = row.against ? median(row.times) / median(row.against.times) : undefined;
    const met = ratio !== undefined && row.goal !== undefined ? ratio <= row.goal : undefined;
    if (met === false) misses++;
    const columns = [
      row.label.padEnd(44),
      median(row.times).toFixed(0).padStart(9),
      row.times
        .map((time) => time.toFixed(0))
        .join(" ")
        .padEnd(30),
      ratio === undefined ? "" : `${ratio.toFixed(2)} (vs ${row.against?.label})`,
      row.goal === undefined ? "" : `≤ ${row.goal} ${met ? "met" : "MISS"}`,
    ];
    console.log(`${columns.join("  ")}${row.note ? `  ${row.note}` : ""}`);
  }
  return misses;
}

function measureLoop(runs: number, suiteRuns: number): LoopRow[] {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-bench-loop-"));
  const renderCli = path.join(PROJECT, "dist", "tools", "render", "cli.js");
  const renderArgs = ["--stack", "dev", "--out", outDir];
  const work: number[] = [];
  const second: number[] = [];
  const diff: number[] = [];
  // The first `npm run render` may compile; everything after it must not have to.
  timed(NPM, ["run", "-s", "render", "--", ...renderArgs]);
  for (let i = 0; i < runs; i++) {
    work.push(run([renderCli, ...renderArgs]));
    second.push(timed(NPM, ["run", "-s", "render", "--", ...renderArgs]));
    diff.push(timed(NPM, ["run", "-s", "diff", "--", "--stack", "dev", "--base", "HEAD~1"]));
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  const renderWork = { label: "render work", times: work };
  const rows: LoopRow[] = [
    { label: "render work (node dist/.../cli.js)", times: work },
    { label: "npm run render, nothing changed", times: second, against: renderWork, goal: LOOP_GOALS.secondRender },
    {
      label: "npm run diff -- --stack dev --base HEAD~1",
      times: diff,
      against: renderWork,
      goal: LOOP_GOALS.diff,
      note: `first run ${diff[0].toFixed(0)} ms`,
    },
  ];
  if (suiteRuns > 0) {
    const tsc = path.join(PROJECT, "node_modules", "typescript", "bin", "tsc");
    const typecheck: number[] = [];
    const suite: number[] = [];
    for (let i = 0; i < suiteRuns; i++) {
      typecheck.push(run([tsc, "-p", path.join(PROJECT, "tsconfig.json"), "--noEmit"]));
      cleanBuildState();
      suite.push(timed(NPM, ["test"], { ...process.env, FORCE_COLOR: "0" }));
    }
    const tscRow = { label: "tsc --noEmit", times: typecheck };
    rows.unshift(tscRow, {
      label: "npm test, clean build state",
      times: suite,
      against: { label: "tsc", times: typecheck },
      goal: LOOP_GOALS.suite,
    });
  }
  return rows;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "5" },
      stack: { type: "string", multiple: true },
      "suite-runs": { type: "string", default: "3" },
    },
  });
  const runs = Math.max(1, Number(values.runs));
  const suiteRuns = Math.max(0, Number(values["suite-runs"]));
  const stacks = values.stack ?? ["dev", "prod"];
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-bench-"));
  console.log(
    `median of ${runs} fresh processes per measurement (node ${process.version}, ${os.cpus().length} cores, load average ${load()})\n`,
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

  const loadBefore = load();
  const misses = printLoop(measureLoop(runs, suiteRuns), loadBefore);
  console.log(
    misses === 0 ? "every feedback-loop ratio is at its goal" : `${misses} feedback-loop ratio(s) above goal`,
  );
}

if (require.main === module) main();
