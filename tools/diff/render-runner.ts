/**
 * Runs a project's own render CLI and reads back resources.json, in a command
 * thread that keeps the Pulumi SDK loaded from one render to the next (the
 * runtime is global, so a thread renders one at a time): one for this tool's
 * own tree, and one for the base trees whose render command runs in a thread
 * too; a base from before that renders in a child process. A base tree links
 * this tree's node_modules, and Node.js loads a module by its real path, so
 * base after base renders with the SDK the base thread loaded once, each with
 * its own compiled code. Renders are asynchronous, so the two threads and
 * children share the machine's cores.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Render, SECRET_FINGERPRINT_KEY_VARIABLE } from "../render/model";
import { CommandThread } from "../render/thread-client";

export type RenderOutcome = { ok: true; render: Render } | { ok: false; message: string };

/** How a render is run: which CLI, from which project folder, with which secret fingerprint key. */
export interface Renderer {
  cli: string;
  projectDir: string;
  /** Shared by the two renders being compared, so that equal secrets mask alike; discarded afterwards. */
  fingerprintKey: string;
  /** The thread that renders with this CLI's renderCommand; without one, the CLI runs in a child process. */
  thread?: CommandThread;
}

export function newFingerprintKey(): string {
  return crypto.randomBytes(32).toString("hex");
}

/** Whose renders a thread runs: this tool's own tree's, or any base tree's. */
type ThreadRole = "working tree" | "base";

/** Started at the first render of its role, kept for the others. */
const threads = new Map<ThreadRole, CommandThread>();

function threadFor(role: ThreadRole): CommandThread {
  let thread = threads.get(role);
  if (!thread) threads.set(role, (thread = new CommandThread()));
  return thread;
}

/** The renderer of the code this tool was built from (dist/tools/render/cli.js). */
export function workingTreeRenderer(projectDir: string, fingerprintKey: string): Renderer {
  const cli = path.join(__dirname, "..", "render", "cli.js");
  return { cli, projectDir, fingerprintKey, thread: threadFor("working tree") };
}

/**
 * The renderer of another tree (the base): in a thread when its render CLI
 * exports renderCommand with the settings this tool passes (a tree that has
 * the command thread has both), in a child process otherwise.
 */
export function treeRenderer(cli: string, projectDir: string, fingerprintKey: string): Renderer {
  const threaded = fs.existsSync(path.join(path.dirname(cli), "command-thread.js"));
  return { cli, projectDir, fingerprintKey, thread: threaded ? threadFor("base") : undefined };
}

/** Stacks with a Pulumi.<stack>.yaml in a project folder. */
export function stacksIn(projectDir: string): string[] {
  if (!fs.existsSync(projectDir)) return [];
  return fs
    .readdirSync(projectDir)
    .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

const RENDER_TIMEOUT_MS = 10 * 60 * 1000;

/** The last lines of a child's output: where a failure explains itself. */
export function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split("\n");
  return (all.length > lines ? ["…", ...all.slice(-lines)] : all).join("\n");
}

/** Renders one stack, from its stack file or from `configFile` in its place. */
export async function renderStack(renderer: Renderer, stack: string, configFile?: string): Promise<RenderOutcome> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-render-"));
  try {
    const args = ["--stack", stack, "--out", outDir, ...(configFile ? ["--config", configFile] : [])];
    const child: Finished = renderer.thread
      ? await renderer.thread.run({
          module: renderer.cli,
          command: "renderCommand",
          argv: args,
          settings: { fingerprintKey: renderer.fingerprintKey },
        })
      : await run(process.execPath, [renderer.cli, ...args], {
          cwd: renderer.projectDir,
          env: { ...process.env, [SECRET_FINGERPRINT_KEY_VARIABLE]: renderer.fingerprintKey },
        });
    if (child.error) return { ok: false, message: `the render could not run: ${child.error.message}` };
    const written = path.join(outDir, stack, "resources.json");
    if (child.status !== 0 || !fs.existsSync(written)) {
      const output = tail(`${child.stderr}${child.stderr && child.stdout ? "\n" : ""}${child.stdout}`);
      return { ok: false, message: `the render exited with status ${child.status}:\n${output}` };
    }
    return { ok: true, render: JSON.parse(fs.readFileSync(written, "utf8")) as Render };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/** spawnSync's answer, without blocking: renders of both sides run at the same time. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), RENDER_TIMEOUT_MS);
    const finish = (status: number | null, error?: Error) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        error,
      });
    };
    child.on("error", (error) => finish(null, error));
    child.on("close", (status) => finish(status));
  });
}

/** Runs `tasks` with at most `limit` at a time; results in the tasks' order. */
export async function inParallel<T>(tasks: (() => Promise<T>)[], limit = os.availableParallelism()): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}
