/**
 * The platform's two namespaces, both held to the restricted Pod Security
 * Standard by admission, and the executor namespace's ResourceQuota and
 * LimitRange, which bound what flow runs can take from the cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { LimitRange, Namespace, ResourceQuota } from "@pulumi/kubernetes/core/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { parseCpuMillis, parseMemoryBytes } from "../../config/quantities";
import { ExecutorPoolSpec } from "../../platform/model";
import { objectLabels } from "./labels";
import { GPU_RESOURCE } from "./pod-spec";

/** The quota's ceiling on concurrent executor pods, whatever the config says. */
export const MAX_EXECUTOR_PODS = 1000;

/** Admission rejects any pod that breaks the restricted profile; warn and audit say why. */
export const POD_SECURITY_LABELS: Record<string, string> = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/audit": "restricted",
};

export interface PlatformNamespacesArgs {
  /** Instance label shared by every object. */
  instance: string;
  /** Namespace of the platform's own workloads (kubernetes.namespace). */
  platformNamespace: string;
  /** Namespace of the executors, one pod per flow run (kubernetes.executorNamespace). */
  executorNamespace: string;
  /** The pools whose executors run in the executor namespace; their sizes set the quota. */
  executorPools: ExecutorPoolSpec[];
  /**
   * Namespaces that hold storage which must survive `pulumi destroy`. Deleting a
   * namespace deletes every claim in it, so these are protected and kept too.
   * Default: none.
   */
  keep?: { platform: boolean; executors: boolean };
}

function formatMillicores(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [
    ["Ti", 1024 ** 4],
    ["Gi", 1024 ** 3],
    ["Mi", 1024 ** 2],
    ["Ki", 1024],
  ];
  const unit = units.find(([, size]) => bytes % size === 0);
  return unit ? `${bytes / unit[1]}${unit[0]}` : String(bytes);
}

const millis = (quantity: string) => parseCpuMillis(quantity) ?? 0;
const bytes = (quantity: string) => parseMemoryBytes(quantity) ?? 0;

/**
 * Caps for the executor namespace: one pod per concurrent flow run, and the
 * CPU, memory and GPUs of that many executors. Finished pods do not count, so
 * Jobs kept for their TTL never block new runs.
 */
export function executorQuota(pools: ExecutorPoolSpec[]): Record<string, string> {
  const runs = pools.reduce((sum, pool) => sum + pool.maxConcurrentRuns, 0);
  if (runs > MAX_EXECUTOR_PODS) {
    throw new Error(
      `executor pools allow ${runs} concurrent runs; the executor namespace holds at most ${MAX_EXECUTOR_PODS}`,
    );
  }
  const total = (each: (pool: ExecutorPoolSpec) => number) =>
    pools.reduce((sum, pool) => sum + each(pool) * pool.maxConcurrentRuns, 0);
  return {
    pods: String(runs),
    "requests.cpu": formatMillicores(total((pool) => millis(pool.executor.resources.requests.cpu))),
    "requests.memory": formatBytes(total((pool) => bytes(pool.executor.resources.requests.memory))),
    "limits.cpu": formatMillicores(total((pool) => millis(pool.executor.resources.limits.cpu))),
    "limits.memory": formatBytes(total((pool) => bytes(pool.executor.resources.limits.memory))),
    // Extended resources are only quota'd by request; 0 keeps executors off the GPUs entirely.
    [`requests.${GPU_RESOURCE}`]: String(total((pool) => pool.executor.resources.gpus)),
  };
}

/**
 * Defaults for containers that name no resources (a job template edited in the
 * Prefect UI), and a maximum per container so that the quota's arithmetic holds.
 */
export function executorLimitRange(pools: ExecutorPoolSpec[]): k8s.core.v1.LimitRangeSpec {
  const [first] = pools;
  const largest = (pick: (pool: ExecutorPoolSpec) => string, parse: (quantity: string) => number) =>
    pools.map(pick).reduce((max, quantity) => (parse(quantity) > parse(max) ? quantity : max));
  return {
    limits: [
      {
        type: "Container",
        defaultRequest: { ...first.executor.resources.requests },
        default: { ...first.executor.resources.limits },
        max: {
          cpu: largest((pool) => pool.executor.resources.limits.cpu, millis),
          memory: largest((pool) => pool.executor.resources.limits.memory, bytes),
        },
      },
    ],
  };
}

export class PlatformNamespaces extends pulumi.ComponentResource {
  readonly platform: Namespace;
  readonly executors: Namespace;
  readonly executorQuota?: ResourceQuota;
  readonly executorLimits?: LimitRange;
  /** The namespaces' names, resolved once they exist (depend on these, not on the plain names). */
  readonly platformName: pulumi.Output<string>;
  readonly executorName: pulumi.Output<string>;

  constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Namespaces", name, {}, opts);
    const keep = args.keep ?? { platform: false, executors: false };
    const namespace = (role: string, namespaceName: string, kept: boolean) =>
      new Namespace(
        `${name}-${role}`,
        {
          metadata: {
            name: namespaceName,
            labels: {
              ...objectLabels({ instance: args.instance, name: namespaceName, component: role }),
              ...POD_SECURITY_LABELS,
            },
          },
        },
        { parent: this, protect: kept, retainOnDelete: kept },
      );
    this.platform = namespace("platform", args.platformNamespace, keep.platform);
    this.executors = namespace("executors", args.executorNamespace, keep.executors);
    this.platformName = this.platform.metadata.name;
    this.executorName = this.executors.metadata.name;

    if (args.executorPools.length > 0) {
      const labels = objectLabels({ instance: args.instance, name: "executors", component: "executor-limits" });
      this.executorQuota = new ResourceQuota(
        `${name}-executor-quota`,
        {
          metadata: { name: "executors", namespace: this.executorName, labels },
          spec: { hard: executorQuota(args.executorPools) },
        },
        { parent: this },
      );
      this.executorLimits = new LimitRange(
        `${name}-executor-limits`,
        {
          metadata: { name: "executors", namespace: this.executorName, labels },
          spec: executorLimitRange(args.executorPools),
        },
        { parent: this },
      );
    }

    this.registerOutputs({ platformName: this.platformName, executorName: this.executorName });
  }
}
