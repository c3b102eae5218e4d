/**
 * Runs the external programs the set-up needs (dockerd's client, apt-get,
 * debootstrap, pip) and keeps their output for the error, so a failure says
 * what the tool said instead of only its exit code.
 */
import { spawn } from "child_process";

/** Where progress lines go: the suite's log, or the console for the CLI. */
export type Log = (line: string) => void;

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the program's standard input. */
  input?: string;
  /** Passes each output line to the log as it comes (long steps: debootstrap, builds). */
  log?: Log;
  /** Kills the program after this many seconds. */
  timeoutSeconds?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly output: string,
  ) {
    const tail = output.trim().split("\n").slice(-25).join("\n");
    super(`${command} failed (exit ${code ?? "signal"}):\n${tail}`);
  }
}

function forwardLines(log: Log | undefined, prefix: string): (chunk: Buffer) => void {
  let pending = "";
  return (chunk) => {
    if (!log) return;
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") log(`${prefix}${line}`);
  };
}

export function run(program: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const command = [program, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let combined = "";
    const prefix = `  ${program.split("/").pop()}: `;
    const toLog = forwardLines(options.log, prefix);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      combined += chunk.toString();
      toLog(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      combined += chunk.toString();
      toLog(chunk);
    });
    const timer = options.timeoutSeconds
      ? setTimeout(() => child.kill("SIGKILL"), options.timeoutSeconds * 1000)
      : undefined;
    child.on("error", (error) => {
      if (timer) clearTimeout(timer);
      reject(new CommandError(command, null, `${combined}\n${error.message}`));
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(command, code, combined));
    });
    if (child.stdin) {
      // A program that exits without reading its input must not fail the run with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.input);
    }
  });
}

/** Whether a program is on PATH (as root: the sbin folders included). */
export async function onPath(program: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${program}`]);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
