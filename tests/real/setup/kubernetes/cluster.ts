/**
 * The suite's single-node Kubernetes cluster, in the role MicroK8s plays for
 * the prod stack: built from the module proxy and Debian's packages, started
 * and stopped by the suite, with its state in the cache.
 *
 *   startCluster(log)  reuse the running cluster, or start whatever part of it is not running, and wait until the
 *                      API server is ready, the node is Ready and the default ServiceAccount exists
 *   stopCluster(log)   stop the node's containers and every program, release the interfaces and the mounts it made;
 *                      the state (PKI, etcd, volumes, images) stays, so the next start brings the same cluster back
 */
import * as fs from "fs";
import * as path from "path";
import { Log, run, sleep } from "../run";
import { ClusterBinaries, ensureClusterBinaries } from "./binaries";
import {
  CONTROL_PLANE,
  ETCD_URL,
  NODE,
  etcd,
  kubeApiserver,
  kubeControllerManager,
  kubeProxy,
  kubeScheduler,
  kubelet,
} from "./components";
import { startContainerd } from "./containerd";
import { Daemon, ensureDaemon, logTail, runningPid, stopDaemon } from "./daemons";
import { ensurePauseImage } from "./images";
import { withClusterLock } from "./lock";
import { ClusterLayout, KUBERNETES_VERSION, NODE_IP, NODE_NAME, clusterLayout } from "./layout";
import { prepareNodeHost, releaseNodeHost } from "./node-host";
import { apiServerUrl, ensurePki, KUBECONFIG_CONTEXT } from "./pki";
import { killOrphanedShims, removePodLeftovers } from "./teardown";

export interface Cluster {
  /** The admin kubeconfig file (system:masters; CA and client certificate embedded). */
  kubeconfig: string;
  /** The context that kubeconfig selects. */
  context: string;
  /** kubectl of the cluster's own release. */
  kubectl: string;
  /** https://<node IP>:16443 */
  apiServer: string;
  nodeName: string;
  nodeIp: string;
  /** The node's containerd socket (namespace k8s.io holds Kubernetes' images and containers). */
  containerdSocket: string;
  ctr: string;
  /** The API server's gitVersion, e.g. "v1.36.3". */
  version: string;
}

const READY_TIMEOUT_SECONDS = 180;

export async function startCluster(log: Log): Promise<Cluster> {
  const layout = clusterLayout();
  fs.mkdirSync(layout.run, { recursive: true });
  return withClusterLock(path.join(layout.run, "cluster.lock"), log, () => startLocked(layout, log));
}

async function startLocked(layout: ClusterLayout, log: Log): Promise<Cluster> {
  const started = Date.now();
  const binaries = await ensureClusterBinaries(log);
  await ensurePki(layout.pki, log);
  await prepareNodeHost(layout, log);
  // stopCluster runs without building anything; it finds the programs this start used here.
  fs.writeFileSync(path.join(layout.run, "binaries.json"), JSON.stringify(binaries, null, 2) + "\n");
  await startContainerd(layout, binaries, log);
  const cluster = describe(layout, binaries);
  await ensurePauseImage(layout, cluster, log);

  const daemons: Record<string, (layout: ClusterLayout, binaries: ClusterBinaries) => Daemon> = {
    etcd,
    "kube-apiserver": kubeApiserver,
    "kube-controller-manager": kubeControllerManager,
    "kube-scheduler": kubeScheduler,
    kubelet,
    "kube-proxy": kubeProxy,
  };
  // A node that was Ready before a stop still says so in etcd; only a lease the new kubelet renewed counts.
  let kubeletStarted: Date | undefined;
  for (const name of [...CONTROL_PLANE, ...NODE]) {
    const startedNow = ensureDaemon(layout, daemons[name](layout, binaries), log);
    if (name === "kubelet" && startedNow) kubeletStarted = new Date();
    if (name === "etcd") await waitFor(layout, "etcd", () => etcdHealthy(), 60);
    if (name === "kube-apiserver") await waitFor(layout, "kube-apiserver", () => apiServerReady(cluster), 120);
  }
  await waitFor(layout, "kubelet", () => nodeReady(cluster, kubeletStarted), READY_TIMEOUT_SECONDS);
  await waitFor(layout, "kube-controller-manager", () => defaultServiceAccount(cluster), READY_TIMEOUT_SECONDS);
  const version = await serverVersion(cluster);
  if (version !== KUBERNETES_VERSION) {
    throw new Error(`kubernetes: the API server reports ${version}, expected ${KUBERNETES_VERSION}`);
  }
  log(`kubernetes: cluster ready in ${((Date.now() - started) / 1000).toFixed(1)}s (kubeconfig ${cluster.kubeconfig})`);
  return { ...cluster, version };
}

/** Stops the cluster if any part of it runs; returns whether anything was running. */
export async function stopCluster(log: Log): Promise<boolean> {
  const layout = clusterLayout();
  fs.mkdirSync(layout.run, { recursive: true });
  return withClusterLock(path.join(layout.run, "cluster.lock"), log, () => stopLocked(layout, log));
}

async function stopLocked(layout: ClusterLayout, log: Log): Promise<boolean> {
  let anything = false;
  // The kubelet first, so it does not restart the containers that are about to be stopped.
  anything = (await stopDaemon(layout, "kubelet", log)) || anything;
  const binaries = recordedBinaries(layout);
  if (runningPid(layout, "containerd") !== undefined && binaries) {
    await removePodLeftovers(layout, binaries.ctr, log);
  }
  for (const name of ["kube-proxy", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"]) {
    // The API server has been seen to hang after it closed its port and stopped its controllers (nothing left to
    // lose by then: etcd holds the state), so it gets a shorter grace than the default.
    anything = (await stopDaemon(layout, name, log, name === "kube-apiserver" ? 8 : undefined)) || anything;
  }
  anything = (await stopDaemon(layout, "containerd", log)) || anything;
  await killOrphanedShims(layout, log);
  if (binaries) await cleanUpKubeProxyRules(binaries, log);
  await unmountUnder([layout.kubeletRoot, layout.containerdRoot, layout.containerdState], log);
  await releaseNodeHost(log);
  return anything;
}

function describe(layout: ClusterLayout, binaries: ClusterBinaries): Cluster {
  return {
    kubeconfig: layout.adminKubeconfig,
    context: KUBECONFIG_CONTEXT,
    kubectl: binaries.kubectl,
    apiServer: apiServerUrl(),
    nodeName: NODE_NAME,
    nodeIp: NODE_IP,
    containerdSocket: layout.containerdSocket,
    ctr: binaries.ctr,
    version: KUBERNETES_VERSION,
  };
}

/** kubectl against the cluster as its admin. */
export async function kubectl(cluster: Cluster, args: string[], input?: string): Promise<string> {
  const { stdout } = await run(cluster.kubectl, ["--kubeconfig", cluster.kubeconfig, ...args], {
    input,
    timeoutSeconds: 60,
  });
  return stdout;
}

async function waitFor(
  layout: ClusterLayout,
  daemon: string,
  check: () => Promise<boolean>,
  seconds: number,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (runningPid(layout, daemon) === undefined) {
      throw new Error(`kubernetes: ${daemon} exited:\n${logTail(layout, daemon)}`);
    }
    await sleep(500);
  }
  throw new Error(`kubernetes: ${daemon} was not ready within ${seconds}s:\n${logTail(layout, daemon)}`);
}

async function etcdHealthy(): Promise<boolean> {
  const response = await fetch(`${ETCD_URL}/health`, { signal: AbortSignal.timeout(2000) });
  return response.ok && ((await response.json()) as { health?: string }).health === "true";
}

async function apiServerReady(cluster: Cluster): Promise<boolean> {
  return (await kubectl(cluster, ["get", "--raw", "/readyz"])).trim() === "ok";
}

async function nodeReady(cluster: Cluster, kubeletStarted: Date | undefined): Promise<boolean> {
  if (kubeletStarted !== undefined) {
    const renewed = await kubectl(cluster, [
      ...["get", "lease", cluster.nodeName, "--namespace", "kube-node-lease"],
      ...["-o", "jsonpath={.spec.renewTime}"],
    ]);
    // One second of slack: the lease's clock is the API server's, which rounds to microseconds.
    if (!(new Date(renewed.trim()).getTime() >= kubeletStarted.getTime() - 1000)) return false;
  }
  const jsonPath = '{.status.conditions[?(@.type=="Ready")].status}';
  return (await kubectl(cluster, ["get", "node", cluster.nodeName, "-o", `jsonpath=${jsonPath}`])).trim() === "True";
}

async function defaultServiceAccount(cluster: Cluster): Promise<boolean> {
  await kubectl(cluster, ["get", "serviceaccount", "default", "--namespace", "default"]);
  return true;
}

async function serverVersion(cluster: Cluster): Promise<string> {
  const version = JSON.parse(await kubectl(cluster, ["get", "--raw", "/version"])) as { gitVersion?: string };
  return version.gitVersion ?? "(none)";
}

function recordedBinaries(layout: ClusterLayout): ClusterBinaries | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(layout.run, "binaries.json"), "utf8")) as ClusterBinaries;
  } catch {
    return undefined;
  }
}

/** kube-proxy removes its own iptables chains (and only those) when run with --cleanup. */
async function cleanUpKubeProxyRules(binaries: ClusterBinaries, log: Log): Promise<void> {
  if (!fs.existsSync(binaries.kubeProxy)) return;
  await run(binaries.kubeProxy, ["--cleanup"], {
    env: { ...process.env, PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
  }).catch((error: unknown) => log(`kubernetes: kube-proxy --cleanup: ${String(error)}`));
}

/** Mounts the kubelet and containerd left under their own folders (volumes, rootfs, shm), deepest first. */
async function unmountUnder(roots: string[], log: Log): Promise<void> {
  const targets = fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1]?.replace(/\\040/g, " "))
    // The kubelet also bind-mounts its root folder onto itself.
    .filter(
      (target): target is string =>
        target !== undefined && roots.some((root) => target === root || target.startsWith(`${root}/`)),
    );
  for (const target of targets.reverse()) {
    await run("umount", [target]).catch(() => run("umount", ["-l", target]).catch(() => undefined));
  }
  if (targets.length > 0) log(`kubernetes: unmounted ${targets.length} leftover mount(s)`);
}
