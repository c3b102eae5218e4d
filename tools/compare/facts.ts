/**
 * What a user compares between two stacks, workload by workload, in words:
 * images, replica and autoscaling bounds, requests and limits, storage, and
 * the features that are switched on. Values are read from the neutral
 * description, which already holds what each target runs (a serving replica
 * count fixed where no autoscaler runs, autoscaling bounds where one does),
 * plus what the registry says of the target itself: where it keeps its
 * volumes, and which of its own settings are worth showing.
 */
import { TARGETS } from "../../components/registry";
import { PlatformConfig } from "../../config/schema";
import { WORKLOAD_NAMES } from "../../platform/describe";
import { Replicas, Resources, ServiceSpec } from "../../platform/model";
import { DescribedStack } from "./load";

export interface Fact {
  property: string;
  value: string;
}

export interface WorkloadFacts {
  workload: string;
  facts: Fact[];
}

/** The workloads in the order they are shown. */
export const WORKLOADS = [
  "platform",
  WORKLOAD_NAMES.database,
  WORKLOAD_NAMES.server,
  WORKLOAD_NAMES.worker,
  WORKLOAD_NAMES.serving,
  WORKLOAD_NAMES.training,
  WORKLOAD_NAMES.retraining,
  "volumes",
] as const;

const onOff = (enabled: boolean) => (enabled ? "on" : "off");

function computeFacts(resources: Resources, prefix = ""): Fact[] {
  const facts = [
    { property: `${prefix}cpu (request / limit)`, value: `${resources.requests.cpu} / ${resources.limits.cpu}` },
    {
      property: `${prefix}memory (request / limit)`,
      value: `${resources.requests.memory} / ${resources.limits.memory}`,
    },
  ];
  if (resources.gpus > 0) facts.push({ property: `${prefix}GPUs`, value: String(resources.gpus) });
  return facts;
}

function storageClass(explicit: string | undefined, config: PlatformConfig): string {
  if (explicit) return explicit;
  return TARGETS[config.target].defaultStorage(config);
}

function service(stack: DescribedStack, name: string): ServiceSpec {
  const found = stack.spec.services.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`the description of ${stack.stack} has no service ${name}`);
  return found;
}

function platformFacts({ config, spec }: DescribedStack): Fact[] {
  return [
    { property: "target", value: config.target },
    { property: "environment", value: config.environment },
    { property: "storage protection", value: config.protectStorage ? "on (kept on destroy)" : "off" },
    { property: "GPU training", value: config.training.gpu.enabled ? `on (${config.training.gpu.count} GPU)` : "off" },
    { property: "scheduled retraining", value: onOff(spec.schedules.length > 0) },
    // The target's own switches, as its registry entry words them.
    ...(TARGETS[config.target].settingFacts?.(config) ?? []),
  ];
}

/** A replica count as the single services show it: the number, or the bounds. */
function replicaCount(replicas: Replicas): string {
  return replicas.mode === "fixed" ? String(replicas.count) : `${replicas.min}–${replicas.max}`;
}

function databaseFacts(stack: DescribedStack): Fact[] {
  const database = service(stack, WORKLOAD_NAMES.database);
  const state = database.state;
  return [
    { property: "image", value: database.container.image },
    { property: "replicas", value: replicaCount(database.replicas) },
    ...computeFacts(database.container.resources),
    { property: "storage size", value: state?.size ?? "—" },
    { property: "storage access mode", value: state?.accessMode ?? "—" },
    { property: "storage class", value: storageClass(state?.storageClass, stack.config) },
  ];
}

function serverFacts(stack: DescribedStack): Fact[] {
  const server = service(stack, WORKLOAD_NAMES.server);
  return [
    { property: "image", value: server.container.image },
    { property: "replicas", value: replicaCount(server.replicas) },
    ...computeFacts(server.container.resources),
    { property: "public URL", value: server.publicEndpoint?.url ?? "—" },
  ];
}

function workerFacts(stack: DescribedStack): Fact[] {
  const pool = stack.spec.executorPools.find((candidate) => candidate.name === WORKLOAD_NAMES.worker);
  if (!pool) return [];
  return [
    { property: "image", value: pool.worker.image },
    { property: "workers", value: String(pool.replicas) },
    { property: "work pool", value: pool.workPool },
    { property: "max concurrent flow runs", value: String(pool.maxConcurrentRuns) },
    ...computeFacts(pool.worker.resources),
    { property: "executor image", value: pool.executor.image },
    ...computeFacts(pool.executor.resources, "executor "),
    { property: "executor retries", value: String(pool.executor.backoffLimit) },
    { property: "finished executors kept for", value: `${pool.executor.ttlSecondsAfterFinished}s` },
  ];
}

function servingFacts(stack: DescribedStack): Fact[] {
  const serving = service(stack, WORKLOAD_NAMES.serving);
  const scaling = serving.replicas;
  return [
    { property: "image", value: serving.container.image },
    {
      property: "replicas",
      value:
        scaling.mode === "autoscaled"
          ? `${scaling.min}–${scaling.max} (autoscaled at ${scaling.cpuTargetPercent}% CPU)`
          : `${scaling.count} (fixed)`,
    },
    {
      property: "scale-down stabilization",
      value: scaling.mode === "autoscaled" ? `${scaling.scaleDownStabilizationSeconds}s` : "—",
    },
    ...computeFacts(serving.container.resources),
    { property: "port", value: String(serving.container.ports[0]?.port ?? "—") },
  ];
}

function trainingFacts({ config, spec }: DescribedStack): Fact[] {
  const job = spec.jobs.find((candidate) => candidate.name === WORKLOAD_NAMES.training);
  if (!job) return [];
  return [
    { property: "image", value: job.container.image },
    { property: "parallelism / completions", value: `${job.parallelism} / ${job.completions}` },
    { property: "retries", value: String(job.backoffLimit) },
    { property: "deadline", value: `${job.activeDeadlineSeconds}s` },
    { property: "epochs", value: String(config.training.epochs) },
    { property: "GPU", value: config.training.gpu.enabled ? `${config.training.gpu.count}` : "off" },
    ...computeFacts(job.container.resources),
  ];
}

function retrainingFacts({ spec }: DescribedStack): Fact[] {
  const schedule = spec.schedules.find((candidate) => candidate.name === WORKLOAD_NAMES.retraining);
  if (!schedule) return [{ property: "enabled", value: "off" }];
  return [
    { property: "enabled", value: "on" },
    { property: "schedule (UTC)", value: schedule.schedule },
    { property: "starting deadline", value: `${schedule.startingDeadlineSeconds}s` },
    {
      property: "runs kept (succeeded / failed)",
      value: `${schedule.successfulRunsKept} / ${schedule.failedRunsKept}`,
    },
  ];
}

function volumeFacts(stack: DescribedStack): Fact[] {
  return stack.spec.volumes.flatMap((volume) => [
    { property: `${volume.name} size`, value: volume.size },
    { property: `${volume.name} access mode`, value: volume.accessMode },
    { property: `${volume.name} storage class`, value: storageClass(volume.storageClass, stack.config) },
    { property: `${volume.name} protected`, value: volume.protect ? "yes" : "no" },
  ]);
}

const FACTS_BY_WORKLOAD: Record<(typeof WORKLOADS)[number], (stack: DescribedStack) => Fact[]> = {
  platform: platformFacts,
  [WORKLOAD_NAMES.database]: databaseFacts,
  [WORKLOAD_NAMES.server]: serverFacts,
  [WORKLOAD_NAMES.worker]: workerFacts,
  [WORKLOAD_NAMES.serving]: servingFacts,
  [WORKLOAD_NAMES.training]: trainingFacts,
  [WORKLOAD_NAMES.retraining]: retrainingFacts,
  volumes: volumeFacts,
};

export function workloadFacts(stack: DescribedStack): WorkloadFacts[] {
  return WORKLOADS.map((workload) => ({ workload, facts: FACTS_BY_WORKLOAD[workload](stack) }));
}
