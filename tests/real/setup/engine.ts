/**
 * The suite's own Docker Engine. It keeps its data, state, socket and
 * network apart from any system engine: its own data and exec roots under the
 * cache, its own containerd namespace, its own bridge and address pool, and no
 * iptables or sysctl changes (a system engine's firewall rules and docker0 stay
 * untouched). Published ports reach the host through Docker's userland proxy,
 * which binds 127.0.0.1 directly; containers reach each other on their
 * bridges. Without NAT nothing inside a container reaches beyond this machine,
 * which is what the suite wants.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { cacheDir, cacheRoot, contentKey } from "./cache";
import { ensureHostPrograms } from "./host-packages";
import { Log, run, sleep } from "./run";

/**
 * The bridge the engine's default network uses, and the addresses of its
 * user-defined networks: 10.231.0.0/16, away from Docker's usual 172.17+
 * choices. Each cache root gets its own bridge (name and /24 from its path),
 * so two caches' engines can run side by side; Docker skips pool subnets that
 * an existing interface already routes.
 */
function bridgeFor(root: string): { name: string; address: string } {
  const key = contentKey(root);
  const subnet = 128 + (parseInt(key.slice(0, 4), 16) % 127);
  return { name: `mlp-${key.slice(0, 8)}`, address: `10.231.${subnet}.1/24` };
}
const ADDRESS_POOL = { base: "10.231.0.0/17", size: 24 };
const START_TIMEOUT_SECONDS = 60;
const STOP_TIMEOUT_SECONDS = 90;

export interface Engine {
  /** The engine's address, "unix://…/docker.sock". */
  host: string;
  /** The process environment with DOCKER_HOST pointing at this engine. */
  env: NodeJS.ProcessEnv;
  /** False when a daemon left running (`--keep`) was reused. */
  startedHere: boolean;
  /** Stops the daemon if this process started it; a reused daemon keeps running. */
  stop(): Promise<void>;
}

export interface EnginePaths {
  root: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  socket: string;
  config: string;
  logFile: string;
  bridge: { name: string; address: string };
}

export function enginePaths(): EnginePaths {
  const root = cacheDir("docker");
  return {
    root,
    dataRoot: path.join(root, "data"),
    execRoot: path.join(root, "exec"),
    pidfile: path.join(root, "dockerd.pid"),
    socket: path.join(root, "docker.sock"),
    config: path.join(root, "daemon.json"),
    logFile: path.join(root, "dockerd.log"),
    bridge: bridgeFor(cacheRoot()),
  };
}

/** The environment that points Docker clients at the engine behind `host`. */
export function engineEnv(host: string): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_HOST: host };
}

async function answers(host: string): Promise<boolean> {
  try {
    await run("docker", ["version", "--format", "{{.Server.Version}}"], { env: engineEnv(host), timeoutSeconds: 10 });
    return true;
  } catch {
    return false;
  }
}

function livePid(pidfile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidfile, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** dockerd needs an existing bridge when it is given one by name; it gets its subnet from the bridge's address. */
async function ensureBridge(bridge: { name: string; address: string }): Promise<void> {
  try {
    await run("ip", ["link", "show", bridge.name]);
  } catch {
    await run("ip", ["link", "add", "name", bridge.name, "type", "bridge"]);
  }
  const { stdout } = await run("ip", ["-4", "-o", "addr", "show", "dev", bridge.name]);
  if (!stdout.includes(` ${bridge.address} `)) {
    // Left from an engine with other settings; no daemon uses it now (this one is about to start).
    await run("ip", ["addr", "flush", "dev", bridge.name]);
    await run("ip", ["addr", "add", bridge.address, "dev", bridge.name]);
  }
  await run("ip", ["link", "set", bridge.name, "up"]);
}

function daemonConfig(paths: EnginePaths): Record<string, unknown> {
  return {
    "data-root": paths.dataRoot,
    "exec-root": paths.execRoot,
    pidfile: paths.pidfile,
    hosts: [`unix://${paths.socket}`],
    bridge: paths.bridge.name,
    "default-address-pools": [ADDRESS_POOL],
    // The system's firewall and forwarding stay as they are; see the module comment.
    iptables: false,
    "ip-forward": false,
    "ip-masq": false,
    "userland-proxy": true,
    "storage-driver": "overlay2",
    // A system containerd, if dockerd finds one running, keeps this engine's containers apart from its own.
    "containerd-namespace": "ml-platform",
    "containerd-plugins-namespace": "ml-platform-plugins",
    "cgroup-parent": "ml-platform",
    "log-driver": "json-file",
    "log-opts": { "max-size": "10m", "max-file": "3" },
  };
}

async function waitUntilAnswering(host: string, pid: number, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_SECONDS * 1000;
  while (Date.now() < deadline) {
    if (await answers(host)) return;
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(250);
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-20).join("\n") : "";
  throw new Error(
    `dockerd (pid ${pid}) did not answer on ${host} within ${START_TIMEOUT_SECONDS}s; ${logFile}:\n${tail}`,
  );
}

/**
 * dockerd leaves its default network namespace mounted under the exec root
 * when it exits; unmounted, the cache folder can be deleted like any other.
 */
async function unmountLeftovers(root: string): Promise<void> {
  const mounts = fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1])
    .filter((target) => target !== undefined && target.startsWith(`${root}/`));
  for (const target of mounts.reverse()) await run("umount", [target]).catch(() => undefined);
}

async function stopDaemon(pid: number, paths: EnginePaths, log: Log): Promise<void> {
  log(`stopping dockerd (pid ${pid})`);
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  // dockerd stops its containers first, each within its stop timeout.
  const deadline = Date.now() + STOP_TIMEOUT_SECONDS * 1000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      await run("ip", ["link", "delete", paths.bridge.name]).catch(() => undefined);
      await unmountLeftovers(paths.root);
      return;
    }
    await sleep(250);
  }
  log(`dockerd (pid ${pid}) did not stop within ${STOP_TIMEOUT_SECONDS}s; killing it (see ${paths.logFile})`);
  process.kill(pid, "SIGKILL");
}

/** Starts the suite's engine, or reuses it when its socket already answers. */
export async function startEngine(log: Log): Promise<Engine> {
  const paths = enginePaths();
  const host = `unix://${paths.socket}`;
  const env = engineEnv(host);
  const existing = livePid(paths.pidfile);
  if (await answers(host)) {
    log(`reusing the engine already answering on ${host}`);
    return { host, env, startedHere: false, stop: async () => undefined };
  }
  if (existing !== undefined) {
    // Still starting (or hung): wait for it rather than racing a second daemon onto the same data root.
    log(`dockerd (pid ${existing}) is running but not answering yet; waiting`);
    await waitUntilAnswering(host, existing, paths.logFile);
    return { host, env, startedHere: false, stop: async () => undefined };
  }

  await ensureHostPrograms({ dockerd: "docker.io", docker: "docker.io", ip: "iproute2" }, log);
  await ensureBridge(paths.bridge);
  fs.writeFileSync(paths.config, JSON.stringify(daemonConfig(paths), null, 2) + "\n");
  const logFd = fs.openSync(paths.logFile, "a");
  // Detached, so a platform kept running (`--keep`) outlives this process.
  const child = spawn("dockerd", ["--config-file", paths.config], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` },
  });
  fs.closeSync(logFd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error("dockerd did not start");
  log(`started dockerd (pid ${pid}); log: ${paths.logFile}`);
  await waitUntilAnswering(host, pid, paths.logFile);
  return { host, env, startedHere: true, stop: () => stopDaemon(pid, paths, log) };
}

/** Stops the suite's engine whoever started it (the CLI's `stop`, after `--keep`). */
export async function stopEngine(log: Log): Promise<boolean> {
  const paths = enginePaths();
  const pid = livePid(paths.pidfile);
  if (pid === undefined) return false;
  await stopDaemon(pid, paths, log);
  return true;
}

/** The host names of containers (each is its container's short ID unless set): how serving's replicas name themselves. */
export async function containerHostnames(engine: Engine, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const result = await run("docker", ["inspect", "--format", "{{.Config.Hostname}}", ...ids], { env: engine.env });
  return result.stdout.trim().split("\n");
}
