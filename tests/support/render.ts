/**
 * Runs the offline render for tests and reads back what it wrote. Most
 * renders run in the test process's command thread (command-thread.ts),
 * which loads the Pulumi SDK once instead of once per render; the committed
 * dev and prod stacks, shared by every test file, render through the CLI in a
 * process of their own, traced, so the entry point stays covered and a test
 * can check which SDK modules each loads.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SdkTrace, traceSdkModules } from "../../tools/bench";
import { Render } from "../../tools/render/model";
import { runCommandInThread } from "./command-thread";
import { testRunDir } from "./test-run";

const RENDER_CLI = path.join(__dirname, "..", "..", "tools", "render", "cli.js");
const SDK_TRACE_HOOK = path.join(__dirname, "..", "..", "tools", "sdk-trace.js");

export interface RenderRun {
  status: number;
  stdout: string;
  stderr: string;
  outDir: string;
}

/**
 * The render CLI in a process of its own, exactly as a user runs it; with
 * `sdkTrace`, the process also records there which Pulumi SDK modules it
 * asked for and loaded (tools/sdk-trace.ts, as the benchmark traces a render).
 */
export function runRenderCli(
  args: string[],
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-render-")),
  sdkTrace?: string,
): RenderRun {
  const child = spawnSync(
    process.execPath,
    [...(sdkTrace ? ["--require", SDK_TRACE_HOOK] : []), RENDER_CLI, ...args, "--out", outDir],
    { encoding: "utf8", env: sdkTrace ? { ...process.env, ML_PLATFORM_SDK_TRACE: sdkTrace } : process.env },
  );
  return { status: child.status ?? -1, stdout: child.stdout, stderr: child.stderr, outDir };
}

/** The render command (the CLI's own renderCommand) with `args`, in the command thread. */
export function runRender(args: string[], outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-render-"))): RenderRun {
  return { ...runCommandInThread(RENDER_CLI, "renderCommand", [...args, "--out", outDir]), outDir };
}

const cache = new Map<string, Render & { outDir: string }>();

/** The committed stacks whose shared render is traced: a test reads which SDK modules each loaded (the two that differ). */
const TRACED_STACKS = new Set(["dev", "prod"]);

/** How long a worker waits for another worker's render of the same stack before it renders itself. */
const SHARED_RENDER_WAIT_MS = 10 * 60 * 1000;

function sleep(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

/**
 * The committed stack rendered once per test run, whichever worker asks
 * first: that one renders (a traced stack through the CLI, in a process of
 * its own; any other in its command thread) and records the outcome; the
 * others wait for it. The folder, the trace and the lock live in the run's
 * scratch folder, so a later run renders afresh.
 */
function sharedRender(runDir: string, stack: string): RenderRun {
  const outDir = path.join(runDir, "renders", stack);
  const outcome = path.join(runDir, "renders", `${stack}.outcome.json`);
  const lock = path.join(runDir, "renders", `${stack}.lock`);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  let owner = true;
  try {
    fs.mkdirSync(lock);
  } catch {
    owner = false;
  }
  if (owner) {
    const run = TRACED_STACKS.has(stack)
      ? runRenderCli(["--stack", stack], outDir, sdkTraceFile(runDir, stack))
      : runRender(["--stack", stack], outDir);
    fs.writeFileSync(`${outcome}.partial`, JSON.stringify(run));
    fs.renameSync(`${outcome}.partial`, outcome);
    return run;
  }
  const deadline = Date.now() + SHARED_RENDER_WAIT_MS;
  while (!fs.existsSync(outcome)) {
    if (Date.now() > deadline) return runRenderCli(["--stack", stack]);
    sleep(50);
  }
  return JSON.parse(fs.readFileSync(outcome, "utf8")) as RenderRun;
}

function sdkTraceFile(runDir: string, stack: string): string {
  return path.join(runDir, "renders", `${stack}.sdk.json`);
}

/** The render of a stack from its committed Pulumi.<stack>.yaml (once per test run, or per process without one). */
export function renderStack(stack: string): Render & { outDir: string } {
  const cached = cache.get(stack);
  if (cached) return cached;
  const runDir = testRunDir();
  const run = runDir ? sharedRender(runDir, stack) : runRenderCli(["--stack", stack]);
  if (run.status !== 0) throw new Error(`render of ${stack} failed (${run.status}):\n${run.stderr}`);
  const render = JSON.parse(fs.readFileSync(path.join(run.outDir, stack, "resources.json"), "utf8")) as Render;
  const result = { ...render, outDir: run.outDir };
  cache.set(stack, result);
  return result;
}

/** Renders a stack from a config file written for the test. */
export function renderConfig(stack: string, yamlText: string): RenderRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-config-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, yamlText);
  return runRender(["--stack", stack, "--config", file]);
}

/**
 * Which Pulumi SDK modules a fresh process rendering the committed stack asked
 * for and loaded: the trace of the shared render, or of a render of its own
 * when the tests run without the mocha set-up.
 */
export function committedSdkTrace(stack: string): SdkTrace {
  renderStack(stack);
  const runDir = testRunDir();
  if (!runDir || !TRACED_STACKS.has(stack))
    return traceSdkModules(stack, fs.mkdtempSync(path.join(os.tmpdir(), "ml-trace-")));
  return JSON.parse(fs.readFileSync(sdkTraceFile(runDir, stack), "utf8")) as SdkTrace;
}
