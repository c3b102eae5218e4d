/**
 * The `dns` addon: CoreDNS serving cluster.local at 10.152.183.10 (the
 * kubelet's clusterDNS), as MicroK8s's dns addon does, with one difference:
 * MicroK8s forwards every other name to the host's resolvers, and nothing may
 * leave this machine, so names outside the cluster get NXDOMAIN at once.
 */
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IService } from "kubernetes-models/v1/Service";
import { GoToolRecipe } from "../../go-build";
import { CLUSTER_DNS_IP, CLUSTER_DOMAIN } from "../layout";
import { addonTag } from "./addon-image";
import { Manifest } from "./kube";
import { addonLabels, clusterIdentity, lockedDown } from "./objects";

export const COREDNS_VERSION = "v1.14.7";
export const COREDNS_IMAGE = addonTag("coredns", COREDNS_VERSION);
export const DNS_NAMESPACE = "kube-system";
export const DNS_DEPLOYMENT = "coredns";

/** Compiled from tests/real/toolchains/addons/coredns: CoreDNS with the plugins the Corefile below uses. */
export const COREDNS_RECIPE: GoToolRecipe = {
  name: "coredns",
  module: "github.com/coredns/coredns",
  version: COREDNS_VERSION,
  wrapperDir: "tests/real/toolchains/addons/coredns",
  packages: [{ pkg: ".", output: "coredns" }],
  ldflags: ["-s", "-w"],
  expectVersion: { output: "coredns", args: ["-version"], contains: `CoreDNS-${COREDNS_VERSION.slice(1)}` },
};

const ADDON = "dns";
const NAME = "coredns";
const labels = addonLabels(ADDON, { "k8s-app": "kube-dns" });

/**
 * Two server blocks: the cluster's zones, answered by the kubernetes plugin (which says NXDOMAIN for what it does
 * not know, reverse lookups included, since nothing falls through), and every other name, which the template
 * plugin answers with NXDOMAIN. There is deliberately no `forward`: that is where MicroK8s would leave the machine.
 */
export const COREFILE = `${CLUSTER_DOMAIN}:53 in-addr.arpa:53 ip6.arpa:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    log . {
        class error
    }
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
        pods insecure
    }
    prometheus :9153
    cache 30
    reload
    loadbalance
}
.:53 {
    errors
    template ANY ANY {
        rcode NXDOMAIN
    }
}
`;

export function corednsManifests(): Manifest[] {
  const configMap: IConfigMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: NAME, namespace: DNS_NAMESPACE, labels },
    data: { Corefile: COREFILE },
  };
  const deployment: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: DNS_DEPLOYMENT, namespace: DNS_NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { "k8s-app": "kube-dns" } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: NAME,
          priorityClassName: "system-cluster-critical",
          // CoreDNS itself must not resolve through the cluster's DNS.
          dnsPolicy: "Default",
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
            // Port 53 without NET_BIND_SERVICE: the pod's own network namespace lets any user bind low ports.
            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
          },
          containers: [
            {
              name: "coredns",
              image: COREDNS_IMAGE,
              // Nothing can be pulled here; the image is imported into the node's containerd.
              imagePullPolicy: "Never",
              args: ["-conf", "/etc/coredns/Corefile"],
              ports: [
                { name: "dns", containerPort: 53, protocol: "UDP" },
                { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                { name: "metrics", containerPort: 9153, protocol: "TCP" },
              ],
              resources: { requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } },
              securityContext: lockedDown(),
              volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
              livenessProbe: {
                httpGet: { path: "/health", port: 8080 },
                initialDelaySeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 5,
              },
              readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
            },
          ],
          volumes: [{ name: "config", configMap: { name: NAME, items: [{ key: "Corefile", path: "Corefile" }] } }],
        },
      },
    },
  };
  const service: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "kube-dns", namespace: DNS_NAMESPACE, labels },
    spec: {
      clusterIP: CLUSTER_DNS_IP,
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, targetPort: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, targetPort: 53, protocol: "TCP" },
        { name: "metrics", port: 9153, targetPort: 9153, protocol: "TCP" },
      ],
    },
  };
  // What the kubernetes plugin watches (upstream's system:coredns role).
  const identity = clusterIdentity(ADDON, NAME, DNS_NAMESPACE, [
    { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
  ]);
  return [...identity, configMap, deployment, service];
}
