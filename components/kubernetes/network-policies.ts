/**
 * Ingress is denied to every pod in both namespaces; each service then admits
 * exactly the peers its neutral `allowFrom` names, on its own ports. Nothing
 * here names a workload: the flows follow from the platform description.
 */
import * as pulumi from "@pulumi/pulumi";
import { NetworkPolicy } from "@pulumi/kubernetes/networking/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { Peer, PlatformSpec } from "../../platform/model";
import { executorSelector } from "./base-job-template";
import { Labels, objectLabels, selectorLabels } from "./labels";

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
  from: PeerPods[];
  ports: number[];
}

function workloadNames(spec: PlatformSpec): string[] {
  return [...spec.services, ...spec.jobs, ...spec.schedules, ...spec.executorPools].map((workload) => workload.name);
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
      from: service.allowFrom.map((peer) => peerPods(peer, spec, layout)),
      ports: service.container.ports.map((port) => port.port),
    }));
}

export function allowPolicySpec(rule: AllowRule): k8s.networking.v1.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: rule.podSelector },
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: rule.from.map((peer) => ({
          namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: peer.namespace } },
          podSelector: peer.podLabels ? { matchLabels: peer.podLabels } : undefined,
        })),
        ports: rule.ports.map((port) => ({ protocol: "TCP", port })),
      },
    ],
  };
}

/** Selects every pod of the namespace and admits nothing. */
export const DENY_ALL_INGRESS: k8s.networking.v1.NetworkPolicySpec = { podSelector: {}, policyTypes: ["Ingress"] };

export interface NetworkPoliciesArgs {
  spec: PlatformSpec;
  layout: NetworkLayout;
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
          `${name}-${role}-deny-ingress`,
          {
            metadata: {
              name: "deny-all-ingress",
              namespace: args.namespaceRef(namespace),
              labels: objectLabels({
                instance: layout.instance,
                name: "deny-all-ingress",
                component: "network-policy",
              }),
            },
            spec: DENY_ALL_INGRESS,
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
    this.registerOutputs({});
  }
}
