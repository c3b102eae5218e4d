/**
 * Ingress and egress are denied to every pod in both namespaces. Each service
 * then admits exactly the peers its neutral `allowFrom` names, on its own
 * ports, and each of those peers may open exactly those connections, plus DNS
 * to the cluster's CoreDNS. Two flows are the target's own: the worker reaches
 * the Kubernetes API server (it creates the flow runs' Jobs), and flow runs
 * reach what kubernetes.flowRunEgress lists, nothing else by default. Nothing
 * here names a workload: the flows follow from the platform description.
 */
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { Peer, PlatformSpec, ServiceSpec } from "../../platform/model";
import { executorSelector } from "./base-job-template";
import { Labels, objectLabels, selectorLabels } from "./labels";
import { allWorkloads } from "../../platform/workloads";

/** The namespace MicroK8s' ingress addon runs its controller in. */
export const MICROK8S_INGRESS_NAMESPACE = "ingress";
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

export interface NetworkLayout {
  instance: string;
  platformNamespace: string;
  executorNamespace: string;
  /** Where the ingress controller runs. Default: MicroK8s' "ingress". */
  ingressNamespace?: string;
}

/** Pods in one namespace, all of them when no labels are given. */
export interface PeerPods {
  namespace: string;
  podLabels?: Labels;
}

export interface AllowRule {
  /** The service admitting the traffic. */
  service: string;
  namespace: string;
  podSelector: Labels;
  /**
   * Each peer as the service names it (`source`), the pods it selects, and the ports it may reach
   * (the peer's `ports`, all of the service's when it names none).
   */
  from: Array<{ source: Peer; peer: PeerPods; ports: number[] }>;
}

/** The port numbers of a service that a peer may reach. */
export function peerPorts(service: ServiceSpec, peer: Peer): number[] {
  if (!peer.ports) return service.container.ports.map((port) => port.port);
  return peer.ports.map((name) => {
    const port = service.container.ports.find((candidate) => candidate.name === name);
    if (!port) throw new Error(`service "${service.name}" admits a peer on port "${name}", which it does not have`);
    return port.port;
  });
}

function workloadNames(spec: PlatformSpec): string[] {
  return allWorkloads(spec).map((workload) => workload.name);
}

export function peerPods(peer: Peer, spec: PlatformSpec, layout: NetworkLayout): PeerPods {
  switch (peer.kind) {
    case "workload":
      if (!workloadNames(spec).includes(peer.name))
        throw new Error(`allowFrom names an unknown workload "${peer.name}"`);
      // Every neutral workload runs in the platform namespace.
      return {
        namespace: layout.platformNamespace,
        podLabels: selectorLabels({ instance: layout.instance, name: peer.name }),
      };
    case "executors": {
      const pool = spec.executorPools.find((candidate) => candidate.name === peer.pool);
      if (!pool) throw new Error(`allowFrom names an unknown executor pool "${peer.pool}"`);
      return { namespace: layout.executorNamespace, podLabels: executorSelector(pool, layout.instance) };
    }
    case "ingress":
      return { namespace: layout.ingressNamespace ?? MICROK8S_INGRESS_NAMESPACE };
  }
}

export function allowRules(spec: PlatformSpec, layout: NetworkLayout): AllowRule[] {
  return spec.services
    .filter((service) => service.allowFrom.length > 0)
    .map((service) => ({
      service: service.name,
      namespace: layout.platformNamespace,
      podSelector: selectorLabels({ instance: layout.instance, name: service.name }),
      from: service.allowFrom.map((peer) => ({
        source: peer,
        peer: peerPods(peer, spec, layout),
        ports: peerPorts(service, peer),
      })),
    }));
}

/** One ingress entry per set of ports, admitting every peer allowed exactly those. */
export function allowPolicySpec(rule: AllowRule): k8s.networking.v1.NetworkPolicySpec {
  const byPorts = new Map<string, { ports: number[]; peers: PeerPods[] }>();
  for (const { peer, ports } of rule.from) {
    const key = ports.join(",");
    const entry = byPorts.get(key) ?? { ports, peers: [] };
    entry.peers.push(peer);
    byPorts.set(key, entry);
  }
  return {
    podSelector: { matchLabels: rule.podSelector },
    policyTypes: ["Ingress"],
    ingress: [...byPorts.values()].map(({ ports, peers }) => ({
      from: peers.map((peer) => ({
        namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } },
        podSelector: peer.podLabels ? { matchLabels: peer.podLabels } : undefined,
      })),
      ports: ports.map((port) => ({ protocol: "TCP", port })),
    })),
  };
}

/** Selects every pod of the namespace; admits nothing and lets nothing out. */
export const DENY_ALL: k8s.networking.v1.NetworkPolicySpec = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };

/** The cluster's DNS: CoreDNS in kube-system, as MicroK8s' dns addon labels it. */
export const CLUSTER_DNS: PeerPods = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" } };
const DNS_PORTS: k8s.networking.v1.NetworkPolicyPort[] = [
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 53 },
];
/**
 * The API server is no pod: its address is the node's, which a plan does not
 * know, so the worker may reach these ports on any address. 16443 is
 * MicroK8s' API server port (Calico judges the Service's traffic after it is
 * translated to the node's address); 443 is the port elsewhere.
 */
export const API_SERVER_PORTS = [443, 16443];

/** Where one workload's pods may connect to. */
export interface EgressRule {
  /** The workload (or executor pool) whose pods connect out. */
  source: string;
  namespace: string;
  podSelector: Labels;
  /** Pods it reaches, each on the ports of the service they serve. */
  to: Array<{ peer: PeerPods; ports: number[] }>;
  /** Addresses outside the cluster's pods it reaches, on the ports given (all when none). */
  toAddresses: Array<{ cidr: string; ports: number[] }>;
}

export interface EgressOptions {
  /** CIDRs flow runs may reach besides DNS and the Prefect API (kubernetes.flowRunEgress). */
  flowRunEgress: string[];
}

const peerKey = (peer: PeerPods) => `${peer.namespace}/${JSON.stringify(peer.podLabels ?? {})}`;

/**
 * The connections each workload needs, read backwards from every service's
 * allowFrom (a peer admitted by a service may connect to it), plus the
 * target's own: workers to the API server, flow runs to kubernetes.flowRunEgress.
 */
export function egressRules(spec: PlatformSpec, layout: NetworkLayout, options: EgressOptions): EgressRule[] {
  const rules = new Map<string, EgressRule>();
  const ruleFor = (source: string, peer: PeerPods): EgressRule => {
    const key = peerKey(peer);
    const existing = rules.get(key);
    if (existing) return existing;
    const rule: EgressRule = {
      source,
      namespace: peer.namespace,
      podSelector: peer.podLabels ?? {},
      to: [],
      toAddresses: [],
    };
    rules.set(key, rule);
    return rule;
  };
  for (const rule of allowRules(spec, layout)) {
    const target = { namespace: rule.namespace, podLabels: rule.podSelector };
    for (const { source, peer, ports } of rule.from) {
      if (source.kind === "ingress") continue;
      const name = source.kind === "workload" ? source.name : `${source.pool}-executors`;
      ruleFor(name, peer).to.push({ peer: target, ports });
    }
  }
  for (const pool of spec.executorPools) {
    const worker = ruleFor(pool.name, peerPods({ kind: "workload", name: pool.name }, spec, layout));
    worker.toAddresses.push({ cidr: "0.0.0.0/0", ports: API_SERVER_PORTS });
    const executors = ruleFor(`${pool.name}-executors`, peerPods({ kind: "executors", pool: pool.name }, spec, layout));
    for (const cidr of options.flowRunEgress) executors.toAddresses.push({ cidr, ports: [] });
  }
  return [...rules.values()];
}

export function egressPolicySpec(rule: EgressRule): k8s.networking.v1.NetworkPolicySpec {
  const podPeer = (peer: PeerPods) => ({
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } },
    podSelector: peer.podLabels ? { matchLabels: peer.podLabels } : undefined,
  });
  const tcp = (ports: number[]) => (ports.length > 0 ? ports.map((port) => ({ protocol: "TCP", port })) : undefined);
  return {
    podSelector: { matchLabels: rule.podSelector },
    policyTypes: ["Egress"],
    egress: [
      { to: [podPeer(CLUSTER_DNS)], ports: DNS_PORTS },
      ...rule.to.map(({ peer, ports }) => ({ to: [podPeer(peer)], ports: tcp(ports) })),
      ...rule.toAddresses.map(({ cidr, ports }) => ({ to: [{ ipBlock: { cidr } }], ports: tcp(ports) })),
    ],
  };
}

export interface NetworkPoliciesArgs {
  spec: PlatformSpec;
  layout: NetworkLayout;
  /** What flow runs may reach outside the platform. Default: nothing. */
  egress?: EgressOptions;
  /** Namespace names resolved from their Namespace objects, so policies wait for them. */
  namespaceRef: (namespace: string) => pulumi.Input<string>;
}

export class NetworkPolicies extends pulumi.ComponentResource {
  readonly policies: NetworkPolicy[] = [];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:NetworkPolicies", name, {}, opts);
    const { layout } = args;
    for (const namespace of [layout.platformNamespace, layout.executorNamespace]) {
      const role = namespace === layout.platformNamespace ? "platform" : "executors";
      this.policies.push(
        new NetworkPolicy(
          `${name}-${role}-deny-all`,
          {
            metadata: {
              name: "deny-all",
              namespace: args.namespaceRef(namespace),
              labels: objectLabels({
                instance: layout.instance,
                name: "deny-all",
                component: "network-policy",
              }),
            },
            spec: DENY_ALL,
          },
          { parent: this },
        ),
      );
    }
    for (const rule of allowRules(args.spec, layout)) {
      this.policies.push(
        new NetworkPolicy(
          `${name}-${rule.service}-ingress`,
          {
            metadata: {
              name: `${rule.service}-ingress`,
              namespace: args.namespaceRef(rule.namespace),
              labels: objectLabels({ instance: layout.instance, name: rule.service, component: "network-policy" }),
            },
            spec: allowPolicySpec(rule),
          },
          { parent: this },
        ),
      );
    }
    for (const rule of egressRules(args.spec, layout, args.egress ?? { flowRunEgress: [] })) {
      this.policies.push(
        new NetworkPolicy(
          `${name}-${rule.source}-egress`,
          {
            metadata: {
              name: `${rule.source}-egress`,
              namespace: args.namespaceRef(rule.namespace),
              labels: objectLabels({ instance: layout.instance, name: rule.source, component: "network-policy" }),
            },
            spec: egressPolicySpec(rule),
          },
          { parent: this },
        ),
      );
    }
    this.registerOutputs({});
  }
}
