/**
 * The cluster's long-running programs as background processes: each one
 * writes its output to run/logs/<name>.log and its pid to run/pids/<name>.pid,
 * keeps running after the Node.js process that started it exits (so the next
 * step, or the next run, reuses it), and is stopped only through its own pid
 * file, after checking that the pid still belongs to the program it names.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Log, sleep } from "../run";
import { ClusterLayout } from "./layout";

export interface Daemon {
  name: string;
  binary: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

function pidFile(layout: ClusterLayout, name: string): string {
  return path.join(layout.pids, `${name}.pid`);
}

/**
 * Writes a daemon's config file only when its text changes. kube-proxy exits when its config file is written to,
 * even with the same text, and containerd reloads its CNI folder on every write, so reusing a running cluster must
 * leave unchanged files untouched.
 */
export function writeConfig(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, "utf8") === text) return;
  } catch {
    // Not there yet.
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

export function logFile(layout: ClusterLayout, name: string): string {
  return path.join(layout.logs, `${name}.log`);
}

/** The last lines of a daemon's log, for error messages. */
export function logTail(layout: ClusterLayout, name: string, lines = 20): string {
  const file = logFile(layout, name);
  if (!fs.existsSync(file)) return "(no log)";
  return fs.readFileSync(file, "utf8").trim().split("\n").slice(-lines).join("\n");
}

/**
 * The pid of `name` if it is alive and still runs the binary it was started from; a pid that was reused by another
 * program after a crash or a reboot does not count.
 */
export function runningPid(layout: ClusterLayout, name: string): number | undefined {
  let pid: number;
  let binary: string;
  try {
    const [pidText, recorded] = fs.readFileSync(pidFile(layout, name), "utf8").split("\n");
    pid = Number(pidText);
    binary = recorded ?? "";
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const executable = fs.readlinkSync(`/proc/${pid}/exe`);
    // A binary replaced on disk shows as "<path> (deleted)"; it is still ours.
    return executable.replace(/ \(deleted\)$/, "") === binary ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `daemon` unless it already runs; returns whether it was started now. */
export function ensureDaemon(layout: ClusterLayout, daemon: Daemon, log: Log): boolean {
  if (runningPid(layout, daemon.name) !== undefined) return false;
  fs.mkdirSync(layout.logs, { recursive: true });
  fs.mkdirSync(layout.pids, { recursive: true });
  const out = fs.openSync(logFile(layout, daemon.name), "a");
  fs.writeSync(out, `\n==== ${new Date().toISOString()} ${daemon.binary} ${daemon.args.join(" ")}\n`);
  // detached: its own process group, so the set-up's Ctrl-C or exit does not take the cluster down with it.
  const child = spawn(daemon.binary, daemon.args, {
    detached: true,
    stdio: ["ignore", out, out],
    env: daemon.env ?? process.env,
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`kubernetes: could not start ${daemon.binary}`);
  fs.writeFileSync(pidFile(layout, daemon.name), `${child.pid}\n${fs.realpathSync(daemon.binary)}\n`);
  child.unref();
  log(`kubernetes: started ${daemon.name} (pid ${child.pid}; log ${logFile(layout, daemon.name)})`);
  return true;
}

/** Stops `name` (SIGTERM, then SIGKILL after `graceSeconds`); returns whether it was running. */
export async function stopDaemon(layout: ClusterLayout, name: string, log: Log, graceSeconds = 20): Promise<boolean> {
  const pid = runningPid(layout, name);
  fs.rmSync(pidFile(layout, name), { force: true });
  if (pid === undefined) return false;
  log(`kubernetes: stopping ${name} (pid ${pid})`);
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceSeconds * 1000;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(200);
  }
  log(`kubernetes: ${name} (pid ${pid}) did not stop within ${graceSeconds}s; killing it`);
  process.kill(pid, "SIGKILL");
  while (alive(pid)) await sleep(100);
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by its parent) counts as stopped.
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}
