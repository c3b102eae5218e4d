/**
 * The kubernetes target's section of the stack config (`ml-platform:kubernetes`):
 * the cluster, namespaces, storage and ingress classes, services, GPUs and what
 * the flow-run executors may use and reach.
 */
import { z } from "zod";
import { containerCpu, containerMemory, name, seconds, subdomain } from "../../config/primitives";

/** Namespaces Kubernetes or MicroK8s' addons own: the platform's quotas, policies and deletes must not land there. */
export const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "ingress"];
const platformNamespace = name.refine((value) => !RESERVED_NAMESPACES.includes(value) && !value.startsWith("kube-"), {
  message: `is reserved (${RESERVED_NAMESPACES.join(", ")} and every kube-* namespace belong to the cluster); choose a namespace of the platform's own`,
});

/** A host name an Ingress rule takes: a lower-case DNS name (a leading "*." wildcard allowed), not an IP, no scheme or port. */
const DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const ingressHost = z.string().superRefine((value, context) => {
  if (value === "") return;
  const dnsName = new RegExp(`^(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`).test(value) && value.length <= 253;
  const ipAddress = /^[0-9.]+$/.test(value) || value.includes(":");
  if (!dnsName || ipAddress) {
    context.addIssue({
      code: "custom",
      message: `"${value}" must be a DNS name such as ml-platform.example.com: lower-case letters, digits, '-' and '.', at most 253 characters, no scheme, port, path or IP address`,
    });
  }
});

/** An IPv4 or IPv6 address block in CIDR notation, as a NetworkPolicy's ipBlock takes it. */
const cidr = z.string().refine(
  (value) => {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (v4) return v4.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(v4[5]) <= 32;
    const v6 = /^([0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\/(\d{1,3})$/.exec(value);
    return v6 !== null && Number(v6[2]) <= 128;
  },
  { message: 'must be an address block in CIDR notation, such as "10.0.0.0/8" or "0.0.0.0/0"' },
);

export const kubernetesConfigSection = z
  .strictObject({
    /** Path to a kubeconfig file, such as the output of `microk8s config`. */
    kubeconfigPath: z.string().default(""),
    context: z.string().default(""),
    namespace: platformNamespace.default("ml-platform"),
    executorNamespace: platformNamespace.default("ml-executors"),
    storageClass: subdomain.default("microk8s-hostpath"),
    ingressClassName: name.default("public"),
    /** Host name the Ingress answers to; empty answers any host. */
    ingressHost: ingressHost.default(""),
    /**
     * A kubernetes.io/tls Secret in kubernetes.namespace holding the certificate for ingressHost;
     * set, the Ingress serves HTTPS with it. Empty: plain HTTP.
     */
    tlsSecretName: z.union([z.literal(""), subdomain]).default(""),
    serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP"),
    /** LoadBalancer Services need an address provider such as MetalLB. */
    allowLoadBalancer: z.boolean().default(false),
    /**
     * The longest a flow run's Job may run before Kubernetes stops it (its activeDeadlineSeconds), so
     * a stuck run cannot hold an executor slot for ever. Deployments may ask for less, never more.
     */
    executorDeadlineSeconds: seconds(30 * 86400).default(86400),
    /** Whether the cluster has the GPU operator (MicroK8s gpu addon). */
    gpuSupport: z.boolean().default(false),
    gpuRuntimeClassName: name.default("nvidia"),
    /**
     * Address blocks flow runs may connect to besides the cluster's DNS and the Prefect API
     * (e.g. ["0.0.0.0/0"] for the internet). Default: none, so a flow run reaches nothing else.
     */
    flowRunEgress: z.array(cidr).max(50, "must list at most 50 address blocks").default([]),
    /**
     * What the flow-run executors may hold together (their limits): what the node spares after the
     * platform's own pods. worker.maxConcurrentRuns executors at their limits must fit in it.
     */
    executorCapacity: z
      .strictObject({ cpu: containerCpu.default("4"), memory: containerMemory.default("8Gi") })
      .prefault({}),
  })
  .prefault({});
