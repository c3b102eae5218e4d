/**
 * The cluster's programs: Kubernetes and etcd compiled from the Go module
 * proxy (go-build.ts), and the node's runtime from Debian's packages
 * (containerd 1.6 with runc, the CNI plugins, iptables, conntrack).
 *
 * containerd 1.6 is enough for kubelet 1.36: it speaks CRI v1, and the one
 * call it lacks (RuntimeConfig, for the cgroup driver) makes the kubelet fall
 * back to its own cgroupDriver setting (cmd/kubelet/app/server.go); 1.37 is
 * the release announced to drop that fallback.
 */
import * as path from "path";
import { ensureGoTool } from "../go-build";
import { ensureHostPrograms } from "../host-packages";
import { Log } from "../run";
import { ETCD_VERSION, KUBERNETES_VERSION } from "./layout";

export interface ClusterBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubelet: string;
  kubeProxy: string;
  kubectl: string;
  etcd: string;
  containerd: string;
  ctr: string;
  /** Folder of the CNI plugins (bridge, host-local, loopback, portmap). */
  cniBinDir: string;
  /** Seconds spent building (0 when everything came from the cache). */
  buildSeconds: number;
}

const KUBERNETES_COMMANDS = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubelet",
  "kube-proxy",
  "kubectl",
];

/**
 * hack/lib/version.sh stamps the release into both packages; without it every binary says v0.0.0-master and the API
 * server's /version does too. gitCommit stays unset: a module zip does not carry it.
 */
function kubernetesLdflags(): string[] {
  const [major, minor] = KUBERNETES_VERSION.replace(/^v/, "").split(".");
  const flags = ["-s", "-w"];
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    for (const [name, value] of [
      ["gitVersion", KUBERNETES_VERSION],
      ["gitMajor", major],
      ["gitMinor", minor],
      ["gitTreeState", "clean"],
    ]) {
      flags.push("-X", `${pkg}.${name}=${value}`);
    }
  }
  return flags;
}

const HOST_PROGRAMS: Record<string, string> = {
  containerd: "containerd",
  ctr: "containerd",
  runc: "runc",
  iptables: "iptables",
  conntrack: "conntrack",
  socat: "socat",
  openssl: "openssl",
  ip: "iproute2",
  "/usr/lib/cni/bridge": "containernetworking-plugins",
  // The sandbox image is compiled here: a static C program needs the C library's archive as well as the compiler.
  gcc: "gcc",
  strip: "binutils",
  "/usr/lib/x86_64-linux-gnu/libc.a": "libc6-dev",
};

export async function ensureClusterBinaries(log: Log): Promise<ClusterBinaries> {
  await ensureHostPrograms(HOST_PROGRAMS, log);
  const kubernetes = await ensureGoTool(
    {
      name: "kubernetes",
      module: "k8s.io/kubernetes",
      version: KUBERNETES_VERSION,
      wrapperDir: path.join("tests", "real", "toolchains", "kubernetes"),
      packages: KUBERNETES_COMMANDS.map((command) => ({ pkg: `k8s.io/kubernetes/cmd/${command}`, output: command })),
      ldflags: kubernetesLdflags(),
      expectVersion: {
        output: "kubectl",
        args: ["version", "--client"],
        contains: `Client Version: ${KUBERNETES_VERSION}`,
      },
    },
    log,
  );
  const etcd = await ensureGoTool(
    {
      name: "etcd",
      module: "go.etcd.io/etcd/server/v3",
      version: ETCD_VERSION,
      wrapperDir: path.join("tests", "real", "toolchains", "etcd"),
      packages: [{ pkg: "go.etcd.io/etcd/server/v3", output: "etcd" }],
      ldflags: ["-s", "-w"],
      expectVersion: {
        output: "etcd",
        args: ["--version"],
        contains: `etcd Version: ${ETCD_VERSION.replace(/^v/, "")}`,
      },
    },
    log,
  );
  const k = kubernetes.binaries;
  return {
    kubeApiserver: k["kube-apiserver"],
    kubeControllerManager: k["kube-controller-manager"],
    kubeScheduler: k["kube-scheduler"],
    kubelet: k.kubelet,
    kubeProxy: k["kube-proxy"],
    kubectl: k.kubectl,
    etcd: etcd.binaries.etcd,
    containerd: "/usr/bin/containerd",
    ctr: "/usr/bin/ctr",
    cniBinDir: "/usr/lib/cni",
    buildSeconds: (kubernetes.built ? kubernetes.seconds : 0) + (etcd.built ? etcd.seconds : 0),
  };
}
