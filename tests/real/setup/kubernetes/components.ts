/**
 * How each of the cluster's programs is started: command lines, and the
 * kubelet's and kube-proxy's config files. The choices follow MicroK8s where
 * the platform depends on them (API server port 16443, services in
 * 10.152.183.0/24, CoreDNS at 10.152.183.10; the hostpath provisioner is an
 * addon, see addons/storage.ts) and kubeadm's defaults elsewhere.
 */
import * as path from "path";
import { ClusterBinaries } from "./binaries";
import { Daemon, writeConfig } from "./daemons";
import {
  API_SERVER_PORT,
  CGROUP_ROOT,
  CLUSTER_DNS_IP,
  CLUSTER_DOMAIN,
  ClusterLayout,
  ETCD_CLIENT_PORT,
  ETCD_PEER_PORT,
  NODE_IP,
  NODE_NAME,
  POD_CIDR,
  SERVICE_CIDR,
} from "./layout";

export const ETCD_URL = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;

/** Start order: each one needs the ones before it. */
export const CONTROL_PLANE = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;
export const NODE = ["kubelet", "kube-proxy"] as const;

/** etcd on loopback only, plain HTTP: nothing but the API server on this machine talks to it. */
export function etcd(layout: ClusterLayout, binaries: ClusterBinaries): Daemon {
  return {
    name: "etcd",
    binary: binaries.etcd,
    args: [
      "--name=ml-platform",
      `--data-dir=${layout.etcdData}`,
      `--listen-client-urls=${ETCD_URL}`,
      `--advertise-client-urls=${ETCD_URL}`,
      `--listen-peer-urls=http://127.0.0.1:${ETCD_PEER_PORT}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ETCD_PEER_PORT}`,
      `--initial-cluster=ml-platform=http://127.0.0.1:${ETCD_PEER_PORT}`,
      "--listen-metrics-urls=",
      // kubeadm's settings for a single member: a snapshot every 10000 writes, and a small database on a test node.
      "--snapshot-count=10000",
      "--quota-backend-bytes=2147483648",
    ],
  };
}

export function kubeApiserver(layout: ClusterLayout, binaries: ClusterBinaries): Daemon {
  const pki = (file: string): string => path.join(layout.pki, file);
  return {
    name: "kube-apiserver",
    binary: binaries.kubeApiserver,
    args: [
      `--advertise-address=${NODE_IP}`,
      `--bind-address=${NODE_IP}`,
      `--secure-port=${API_SERVER_PORT}`,
      `--etcd-servers=${ETCD_URL}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--authorization-mode=Node,RBAC",
      // PodSecurity, ServiceAccount, DefaultStorageClass and the rest of the default set stay on; NodeRestriction is
      // the one kubeadm adds.
      "--enable-admission-plugins=NodeRestriction",
      "--allow-privileged=true",
      `--client-ca-file=${pki("ca.crt")}`,
      `--tls-cert-file=${pki("apiserver.crt")}`,
      `--tls-private-key-file=${pki("apiserver.key")}`,
      `--kubelet-client-certificate=${pki("apiserver-kubelet-client.crt")}`,
      `--kubelet-client-key=${pki("apiserver-kubelet-client.key")}`,
      "--kubelet-preferred-address-types=InternalIP,Hostname",
      `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
      `--service-account-key-file=${pki("sa.pub")}`,
      `--service-account-signing-key-file=${pki("sa.key")}`,
      // The aggregation layer, for metrics-server's v1beta1.metrics.k8s.io APIService.
      `--requestheader-client-ca-file=${pki("front-proxy-ca.crt")}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-username-headers=X-Remote-User",
      `--proxy-client-cert-file=${pki("front-proxy-client.crt")}`,
      `--proxy-client-key-file=${pki("front-proxy-client.key")}`,
      // The API server reaches aggregated APIs at their pods' addresses, not through kube-proxy's rules.
      "--enable-aggregator-routing=true",
      "--profiling=false",
    ],
  };
}

/**
 * What the controller-manager and the scheduler share: one kubeconfig for the API and for checking
 * callers of their own endpoints, which listen on loopback only; one node, one instance, so no
 * leader election to wait for after a restart.
 */
function controlLoopArgs(kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=false",
    "--profiling=false",
  ];
}

export function kubeControllerManager(layout: ClusterLayout, binaries: ClusterBinaries): Daemon {
  const pki = (file: string): string => path.join(layout.pki, file);
  const kubeconfig = pki("controller-manager.kubeconfig");
  return {
    name: "kube-controller-manager",
    binary: binaries.kubeControllerManager,
    args: [
      ...controlLoopArgs(kubeconfig),
      "--controllers=*,bootstrapsigner,tokencleaner",
      "--use-service-account-credentials=true",
      `--root-ca-file=${pki("ca.crt")}`,
      `--service-account-private-key-file=${pki("sa.key")}`,
      `--cluster-signing-cert-file=${pki("ca.crt")}`,
      `--cluster-signing-key-file=${pki("ca.key")}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--cluster-cidr=${POD_CIDR}`,
    ],
  };
}

export function kubeScheduler(layout: ClusterLayout, binaries: ClusterBinaries): Daemon {
  const kubeconfig = path.join(layout.pki, "scheduler.kubeconfig");
  return {
    name: "kube-scheduler",
    binary: binaries.kubeScheduler,
    args: controlLoopArgs(kubeconfig),
  };
}

/**
 * The kubelet's settings. This host runs cgroup v1 (which kubelet 1.35+ refuses unless failCgroupV1 is false) with
 * the cgroupfs driver, and its containerd 1.6 cannot report a driver, so the kubelet's own setting is the one used.
 * The serving certificate is the kubelet's self-signed one (no TLS bootstrap); metrics-server skips verifying it, as
 * on MicroK8s.
 */
function kubeletConfig(layout: ClusterLayout): Record<string, unknown> {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: NODE_IP,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: 10248,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: path.join(layout.pki, "ca.crt") },
    },
    authorization: { mode: "Webhook" },
    cgroupDriver: "cgroupfs",
    cgroupRoot: CGROUP_ROOT,
    failCgroupV1: false,
    containerRuntimeEndpoint: `unix://${layout.containerdSocket}`,
    clusterDNS: [CLUSTER_DNS_IP],
    clusterDomain: CLUSTER_DOMAIN,
    resolvConf: layout.resolvConf,
    // Pods' logs go to the cache rather than /var/log/pods (the kubelet still links them from /var/log/containers,
    // a path it does not let anyone change).
    podLogsDir: layout.podLogs,
    failSwapOn: false,
    serverTLSBootstrap: false,
    rotateCertificates: false,
    // The cache's disk is shared with everything else on this machine; evict only when it is nearly full.
    evictionHard: { "memory.available": "100Mi", "nodefs.available": "3%", "imagefs.available": "3%" },
    imageGCHighThresholdPercent: 97,
    imageGCLowThresholdPercent: 95,
    // Nothing can be pulled here, so an image the suite imported must not be collected while unused.
    imageMinimumGCAge: "87600h",
  };
}

export function kubelet(layout: ClusterLayout, binaries: ClusterBinaries): Daemon {
  writeConfig(layout.kubeletConfig, JSON.stringify(kubeletConfig(layout), null, 2) + "\n");
  return {
    name: "kubelet",
    binary: binaries.kubelet,
    args: [
      `--config=${layout.kubeletConfig}`,
      `--kubeconfig=${path.join(layout.pki, "kubelet.kubeconfig")}`,
      `--root-dir=${layout.kubeletRoot}`,
      `--cert-dir=${path.join(layout.kubeletRoot, "pki")}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
    ],
    // The kubelet finds iptables, mount and the like on PATH; the sbin folders are not on every root's PATH.
    env: { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
  };
}

/**
 * kube-proxy in iptables mode. The conntrack settings are left to the host (zeros mean "do not set"): the node runs
 * in a container whose kernel settings are not its own to change; likewise route_localnet (localhostNodePorts).
 */
function kubeProxyConfig(layout: ClusterLayout): Record<string, unknown> {
  return {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "iptables",
    clusterCIDR: POD_CIDR,
    hostnameOverride: NODE_NAME,
    bindAddress: NODE_IP,
    healthzBindAddress: "127.0.0.1:10256",
    metricsBindAddress: "127.0.0.1:10249",
    clientConnection: { kubeconfig: path.join(layout.pki, "kube-proxy.kubeconfig") },
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
    iptables: { localhostNodePorts: false },
    nodePortAddresses: [`${NODE_IP}/32`],
  };
}

export function kubeProxy(layout: ClusterLayout, binaries: ClusterBinaries): Daemon {
  writeConfig(layout.kubeProxyConfig, JSON.stringify(kubeProxyConfig(layout), null, 2) + "\n");
  return {
    name: "kube-proxy",
    binary: binaries.kubeProxy,
    args: [`--config=${layout.kubeProxyConfig}`],
    env: { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
  };
}
