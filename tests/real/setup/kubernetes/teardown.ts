/**
 * Stopping the node's pods without the kubelet: every task in containerd's
 * k8s.io namespace is killed, and the network namespaces containerd's CRI
 * made for the pod sandboxes (under /run/netns, where containerd 1.6 always
 * puts them) are unmounted and removed. Only namespaces named in this
 * containerd's own containers are touched. The containers' records stay:
 * at the next start the kubelet finds its pods' sandboxes dead and recreates
 * them, which also releases their addresses through the CNI plugins.
 */
import * as fs from "fs";
import { Log, run, sleep } from "../run";
import { ctrArgs } from "./containerd";
import { ClusterLayout } from "./layout";

const KILL_TIMEOUT_SECONDS = 30;

export async function removePodLeftovers(layout: ClusterLayout, ctr: string, log: Log): Promise<void> {
  const ctrRun = async (...args: string[]): Promise<string> =>
    (await run(ctr, ctrArgs(layout.containerdSocket, ...args), { timeoutSeconds: 60 })).stdout;

  const containers = (await ctrRun("containers", "ls", "--quiet")).split("\n").filter((id) => id.trim() !== "");
  const namespaces = new Set<string>();
  for (const id of containers) {
    const info = JSON.parse(await ctrRun("containers", "info", id)) as {
      Spec?: { linux?: { namespaces?: { type: string; path?: string }[] } };
    };
    for (const ns of info.Spec?.linux?.namespaces ?? []) {
      if (ns.type === "network" && ns.path && /^\/(var\/)?run\/netns\/cni-[0-9a-f-]+$/.test(ns.path)) {
        namespaces.add(ns.path);
      }
    }
  }

  const running = await runningTasks(ctrRun);
  if (running.length > 0) log(`kubernetes: stopping ${running.length} container task(s)`);
  for (const id of running) await ctrRun("tasks", "kill", "--all", "--signal", "SIGKILL", id).catch(() => "");
  const deadline = Date.now() + KILL_TIMEOUT_SECONDS * 1000;
  while ((await runningTasks(ctrRun)).length > 0 && Date.now() < deadline) await sleep(250);
  for (const id of await allTasks(ctrRun)) await ctrRun("tasks", "delete", "--force", id).catch(() => "");

  let removed = 0;
  for (const ns of namespaces) {
    if (!fs.existsSync(ns)) continue;
    await run("umount", [ns]).catch(() => run("umount", ["-l", ns]).catch(() => undefined));
    fs.rmSync(ns, { force: true });
    removed++;
  }
  if (removed > 0) log(`kubernetes: removed ${removed} pod network namespace(s)`);
}

/**
 * Shims outlive containerd by design; once containerd is stopped, any shim still serving this containerd (its
 * command line names this containerd's socket) has no task left worth keeping.
 */
export async function killOrphanedShims(layout: ClusterLayout, log: Log): Promise<void> {
  let killed = 0;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const address = args.indexOf("-address");
    if (!args[0]?.includes("containerd-shim") || args[address + 1] !== layout.containerdSocket) continue;
    try {
      process.kill(Number(entry), "SIGKILL");
      killed++;
    } catch {
      // Exited meanwhile.
    }
  }
  if (killed > 0) log(`kubernetes: killed ${killed} leftover containerd shim(s)`);
}

async function taskRows(ctrRun: (...args: string[]) => Promise<string>): Promise<string[][]> {
  return (await ctrRun("tasks", "ls"))
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((row) => row.length >= 3);
}

async function runningTasks(ctrRun: (...args: string[]) => Promise<string>): Promise<string[]> {
  return (await taskRows(ctrRun)).filter((row) => row[2] !== "STOPPED").map((row) => row[0]);
}

async function allTasks(ctrRun: (...args: string[]) => Promise<string>): Promise<string[]> {
  return (await taskRows(ctrRun)).map((row) => row[0]);
}
