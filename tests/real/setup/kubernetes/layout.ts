/**
 * The single-node cluster's fixed facts (addresses, ports, names) and where
 * its files live under the suite's cache.
 *
 * Two trees: `state/` survives `stopCluster` (PKI, etcd's data, kubelet's and
 * containerd's roots, provisioned volumes), so a kept platform and its data
 * come back after a restart; `run/` holds what only a running cluster needs
 * (pid files, logs, sockets, containerd's state) and may be deleted when the
 * cluster is stopped.
 */
import * as path from "path";
import { cacheDir } from "../cache";

/** The Kubernetes release built from the Go module proxy (tests/real/toolchains/kubernetes). */
export const KUBERNETES_VERSION = "v1.36.3";
/** etcd's release (tests/real/toolchains/etcd); kubeadm 1.36 pairs with 3.6.x. */
export const ETCD_VERSION = "v3.6.16";
/** The sandbox image: built here from the kubernetes module's build/pause/linux/pause.c (kubeadm 1.36's PauseVersion). */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10.2";

export const NODE_NAME = "ml-platform-node";
/**
 * The node's address. It sits on a bridge of its own with no ports (this
 * machine's kernel has no dummy interfaces), so it is local to the host and
 * reachable from pods through their gateway, and nothing else can reach it.
 */
export const NODE_IP = "10.89.0.1";
export const NODE_INTERFACE = "mlpk8s-node";
/** Pods' addresses: apart from the suite's Docker Engine (10.231.0.0/16) and the host's own networks. */
export const POD_CIDR = "10.88.0.0/16";
export const CNI_BRIDGE = "mlpk8s-cni0";
export const CNI_NETWORK_NAME = "ml-platform-pods";
/** Services' addresses, as on MicroK8s; the first is the API server's `kubernetes` Service. */
export const SERVICE_CIDR = "10.152.183.0/24";
export const KUBERNETES_SERVICE_IP = "10.152.183.1";
/** Where the addons' CoreDNS answers (its Service's fixed ClusterIP). */
export const CLUSTER_DNS_IP = "10.152.183.10";
export const CLUSTER_DOMAIN = "cluster.local";
/** MicroK8s's API server port. */
export const API_SERVER_PORT = 16443;
/** etcd listens on loopback only, on ports away from a system etcd's 2379/2380. */
export const ETCD_CLIENT_PORT = 12379;
export const ETCD_PEER_PORT = 12380;
/** The cgroup (in every v1 hierarchy) under which the kubelet puts its pods. */
export const CGROUP_ROOT = "/ml-platform-kubernetes";

export interface ClusterLayout {
  root: string;
  state: string;
  pki: string;
  etcdData: string;
  kubeletRoot: string;
  podLogs: string;
  containerdRoot: string;
  images: string;
  run: string;
  logs: string;
  pids: string;
  containerdState: string;
  containerdSocket: string;
  containerdConfig: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletConfig: string;
  kubeProxyConfig: string;
  resolvConf: string;
  adminKubeconfig: string;
}

export function clusterLayout(): ClusterLayout {
  const root = cacheDir("kubernetes");
  const state = path.join(root, "state");
  const run = path.join(root, "run");
  return {
    root,
    state,
    pki: path.join(state, "pki"),
    etcdData: path.join(state, "etcd"),
    kubeletRoot: path.join(state, "kubelet"),
    podLogs: path.join(state, "pod-logs"),
    containerdRoot: path.join(state, "containerd"),
    images: path.join(root, "images"),
    run,
    logs: path.join(run, "logs"),
    pids: path.join(run, "pids"),
    containerdState: path.join(run, "containerd"),
    containerdSocket: path.join(run, "containerd.sock"),
    containerdConfig: path.join(run, "containerd.toml"),
    cniConfDir: path.join(run, "cni", "net.d"),
    cniDataDir: path.join(run, "cni", "networks"),
    kubeletConfig: path.join(run, "kubelet.yaml"),
    kubeProxyConfig: path.join(run, "kube-proxy.yaml"),
    resolvConf: path.join(run, "resolv.conf"),
    adminKubeconfig: path.join(state, "pki", "admin.kubeconfig"),
  };
}
