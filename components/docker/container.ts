/**
 * Turns a neutral ContainerSpec into the docker.ContainerArgs every workload
 * kind shares: image, command, environment, resources, hardening, mounts,
 * network, labels and logging. The workload components add what is theirs
 * (healthcheck and restart policy, attach and exit codes, ports).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { memoryMebibytes, parseCpuMillis } from "../../config/quantities";
import { ContainerSpec, Resources, VolumeMount } from "../../platform/model";
import { withVariablesFromFiles } from "./commands";
import { PlatformContext, secretValue, volumeHandle } from "./context";
import { DeliveredDirectory, FileDelivery, SECRETS_DIRECTORY } from "./file-delivery";
import { labelList, recommendedLabels, WorkloadIdentity } from "./labels";

/** What a container may use, in Docker's units. */
export interface ComputeBudget {
  memoryMiB: number;
  memoryReservationMiB: number;
  cpuMillis: number;
  cpuRequestMillis: number;
  gpus: number;
}

function millis(quantity: string): number {
  const value = parseCpuMillis(quantity);
  if (value === undefined) throw new Error(`not a CPU quantity: ${quantity}`);
  return value;
}

/** The budget of `times` copies of a workload's resources (several runs in one container). */
export function budgetOf(resources: Resources, times = 1): ComputeBudget {
  return {
    memoryMiB: memoryMebibytes(resources.limits.memory) * times,
    memoryReservationMiB: memoryMebibytes(resources.requests.memory) * times,
    cpuMillis: millis(resources.limits.cpu) * times,
    cpuRequestMillis: millis(resources.requests.cpu) * times,
    gpus: resources.gpus * times,
  };
}

export function addBudgets(a: ComputeBudget, b: ComputeBudget): ComputeBudget {
  return {
    memoryMiB: a.memoryMiB + b.memoryMiB,
    memoryReservationMiB: a.memoryReservationMiB + b.memoryReservationMiB,
    cpuMillis: a.cpuMillis + b.cpuMillis,
    cpuRequestMillis: a.cpuRequestMillis + b.cpuRequestMillis,
    gpus: a.gpus + b.gpus,
  };
}

/** The CFS period CPU limits are expressed in (Docker's default, 100 ms). */
export const CPU_PERIOD_MICROSECONDS = 100_000;

/**
 * A hard CPU limit as a CFS quota. Docker refuses `cpus` above the host's CPU
 * count ("Range of CPUs is from 0.01 to 2.00"), so a limit written for a bigger
 * machine would stop the platform on a small one; a quota means the same
 * throttling and is accepted on any host.
 */
export function cpuLimit(millis: number): Pick<docker.ContainerArgs, "cpuPeriod" | "cpuQuota"> {
  return { cpuPeriod: CPU_PERIOD_MICROSECONDS, cpuQuota: Math.round((millis * CPU_PERIOD_MICROSECONDS) / 1000) };
}

/** The CPU limit of container inputs, in millicores (the inverse of cpuLimit). */
export function cpuLimitMillis(inputs: { cpuPeriod?: unknown; cpuQuota?: unknown }): number {
  return (Number(inputs.cpuQuota) * 1000) / Number(inputs.cpuPeriod);
}

/**
 * Limits are hard (memory is OOM-killed above, CPU is throttled); requests
 * become the soft memory reservation and the CPU weight under contention,
 * which is what they mean to the Kubernetes scheduler's cgroups as well.
 */
export function resourceArgs(
  budget: ComputeBudget,
): Pick<
  docker.ContainerArgs,
  "memory" | "memoryReservation" | "memorySwap" | "cpuPeriod" | "cpuQuota" | "cpuShares" | "deviceRequests"
> {
  const args: Pick<
    docker.ContainerArgs,
    "memory" | "memoryReservation" | "memorySwap" | "cpuPeriod" | "cpuQuota" | "cpuShares" | "deviceRequests"
  > = {
    memory: budget.memoryMiB,
    memoryReservation: Math.min(budget.memoryReservationMiB, budget.memoryMiB),
    // Equal to memory: no swap on top of the limit, as on Kubernetes.
    memorySwap: budget.memoryMiB,
    ...cpuLimit(budget.cpuMillis),
    cpuShares: Math.max(2, Math.round((budget.cpuRequestMillis * 1024) / 1000)),
  };
  if (budget.gpus > 0) args.deviceRequests = [{ driver: "nvidia", count: budget.gpus, capabilities: ["gpu"] }];
  return args;
}

/** A tmpfs for each writable path, a quarter of the memory limit each (tmpfs pages count against it). */
export function tmpfsFor(paths: string[], memoryMiB: number): Record<string, string> {
  const size = Math.max(16, Math.floor(memoryMiB / 4));
  return Object.fromEntries([...paths].sort().map((path) => [path, `rw,noexec,nosuid,nodev,size=${size}m,mode=1777`]));
}

export function hardeningArgs(
  container: ContainerSpec,
  memoryMiB: number,
): Pick<docker.ContainerArgs, "user" | "readOnly" | "tmpfs" | "capabilities" | "securityOpts" | "init"> {
  return {
    user: `${container.user.uid}:${container.user.gid}`,
    readOnly: container.readOnlyRootFilesystem,
    tmpfs: container.readOnlyRootFilesystem ? tmpfsFor(container.writablePaths, memoryMiB) : undefined,
    capabilities: { drops: ["ALL"] },
    securityOpts: ["no-new-privileges:true"],
    // A real PID 1 forwards signals and reaps the zombies of processes that spawn children.
    init: true,
  };
}

/** Container logs rotate, so a chatty workload cannot fill the host's disk. */
export const LOGGING: Pick<docker.ContainerArgs, "logDriver" | "logOpts"> = {
  logDriver: "json-file",
  logOpts: { "max-size": "10m", "max-file": "3" },
};

/** How a container's secrets and bundles reach it. */
export interface FilePlan {
  directories: DeliveredDirectory[];
  /** Variables the image reads from a file itself (its *_FILE convention): name -> file path. */
  fileVariables: Record<string, string>;
  /** Variables the command wrapper exports from a file before the process starts: name -> file path. */
  variablesFromFiles: Record<string, string>;
}

export function filePlan(container: ContainerSpec, context: PlatformContext): FilePlan {
  const fileVariables: Record<string, string> = {};
  const variablesFromFiles: Record<string, string> = {};
  const secretFiles = Object.keys(container.secretEnv)
    .sort()
    .map((variable) => {
      const reference = container.secretEnv[variable];
      const path = `${SECRETS_DIRECTORY}/${variable}`;
      if (reference.fileVariable) fileVariables[reference.fileVariable] = path;
      else variablesFromFiles[variable] = path;
      return {
        name: variable,
        content: secretValue(context, reference.secret, reference.key),
        mode: "0400",
        owner: container.user,
      };
    });
  const directories: DeliveredDirectory[] = [];
  if (secretFiles.length > 0) directories.push({ path: SECRETS_DIRECTORY, files: secretFiles });
  for (const bundle of [...container.bundles].sort((a, b) => a.directory.localeCompare(b.directory))) {
    const files = Object.keys(bundle.files)
      .sort()
      .map((file) => ({ name: file, content: bundle.files[file], mode: "0444" }));
    const existing = directories.find((directory) => directory.path === bundle.directory);
    if (existing) existing.files.push(...files);
    else directories.push({ path: bundle.directory, files });
  }
  return { directories, fileVariables, variablesFromFiles };
}

/** The process to run: the spec's command and args, wrapped to read secrets from files when it must. */
export function commandFor(container: ContainerSpec, plan: FilePlan, workload: string): string[] | undefined {
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  if (Object.keys(plan.variablesFromFiles).length === 0) return command.length > 0 ? command : undefined;
  if (!container.command || container.command.length === 0) {
    throw new Error(
      `${workload} takes ${Object.keys(plan.variablesFromFiles).join(", ")} from a secret without a *_FILE convention, ` +
        "so the Docker target must wrap its command, but the spec gives none",
    );
  }
  return withVariablesFromFiles(command, plan.variablesFromFiles);
}

/** Plain environment: the spec's values, service addresses and *_FILE paths; never a secret value. */
export function environmentFor(
  container: ContainerSpec,
  plan: FilePlan,
  context: PlatformContext,
  extra: Record<string, string> = {},
): string[] {
  const values: Record<string, string> = { ...container.env };
  for (const [name, reference] of Object.entries(container.serviceEnv))
    values[name] = context.addresses.address(reference);
  Object.assign(values, plan.fileVariables, extra);
  return Object.keys(values)
    .sort()
    .map((name) => `${name}=${values[name]}`);
}

export function volumeMountArgs(mounts: VolumeMount[], context: PlatformContext): docker.types.input.ContainerMount[] {
  return mounts.map((mount) => ({
    type: "volume",
    source: volumeHandle(context, mount.volume).name,
    target: mount.path,
    readOnly: mount.readOnly,
    // The volume's content and owner are the platform's, never copied up from whatever the image has there.
    volumeOptions: { noCopy: true },
  }));
}

export interface ContainerArgsOptions {
  identity: WorkloadIdentity;
  context: PlatformContext;
  plan: FilePlan;
  /** Files the workload's containers mount; see FileDelivery. */
  delivery?: FileDelivery;
  /** What the container may use; default the spec's own resources. */
  budget?: ComputeBudget;
  /** Mounts beyond the spec's own (a service's state volume, executor volumes). */
  extraMounts?: VolumeMount[];
  /** Host paths bound into the container (the Docker socket, when opted in). */
  bindMounts?: docker.types.input.ContainerMount[];
  /** Replaces the spec's command (already wrapped as needed). */
  command?: string[];
  /** Labels beyond the recommended ones. */
  extraLabels?: Record<string, pulumi.Input<string>>;
  /** Plain variables the target itself sets (a run's id and completion index). */
  extraEnv?: Record<string, string>;
  /**
   * Whether the container answers to the workload's name on the network;
   * default true. Run-to-completion containers serve nobody, so they join
   * without it and are not mistaken for replicas of a service.
   */
  networkAlias?: boolean;
}

/** The docker.ContainerArgs every workload container shares. */
export function baseContainerArgs(container: ContainerSpec, options: ContainerArgsOptions): docker.ContainerArgs {
  const { identity, context, plan, delivery } = options;
  const budget = options.budget ?? budgetOf(container.resources);
  const labels: Record<string, pulumi.Input<string>> = { ...recommendedLabels(identity), ...options.extraLabels };
  // A new delivery means new files; the label makes the containers restart with them.
  if (delivery) labels["ml-platform.files-revision"] = delivery.revision;
  const mounts = [
    ...volumeMountArgs([...container.mounts, ...(options.extraMounts ?? [])], context),
    ...(delivery?.mounts ?? []),
    ...(options.bindMounts ?? []),
  ];
  return {
    image: context.imageId(container.image),
    command: options.command ?? commandFor(container, plan, identity.name),
    envs: environmentFor(container, plan, context, options.extraEnv),
    ...resourceArgs(budget),
    ...hardeningArgs(container, budget.memoryMiB),
    mounts,
    networksAdvanced: [
      { name: context.networkName, aliases: options.networkAlias === false ? undefined : [identity.name] },
    ],
    labels: labelList(labels),
    ...LOGGING,
  };
}

/** Creates the FileDelivery for a container's secrets and bundles, when it has any. */
export function deliverFiles(
  name: string,
  container: ContainerSpec,
  plan: FilePlan,
  options: { identity: WorkloadIdentity; context: PlatformContext; parent: pulumi.Resource },
): FileDelivery | undefined {
  if (plan.directories.length === 0) return undefined;
  return new FileDelivery(
    name,
    { image: options.context.imageId(container.image), directories: plan.directories, identity: options.identity },
    { parent: options.parent },
  );
}

/** What every workload's containers are built from: who they are and how their files reach them. */
export interface PreparedContainer {
  identity: WorkloadIdentity;
  plan: FilePlan;
  /** Undefined when the container has no secrets or bundles to deliver. */
  delivery: FileDelivery | undefined;
}

/**
 * The first steps of every workload component: its labels' identity, the plan
 * for its secrets and bundles, and their FileDelivery (`<name>-files`, a child
 * of `parent`), created here so that every workload names and parents it alike.
 */
export function prepareContainer(
  name: string,
  container: ContainerSpec,
  options: { workload: { name: string; component: string }; context: PlatformContext; parent: pulumi.Resource },
): PreparedContainer {
  const { workload, context, parent } = options;
  const identity = { instance: context.instance, name: workload.name, component: workload.component };
  const plan = filePlan(container, context);
  const delivery = deliverFiles(`${name}-files`, container, plan, { identity, context, parent });
  return { identity, plan, delivery };
}

/** Several lists of resources to wait for, as one. */
export function allOf(...lists: pulumi.Input<pulumi.Resource[]>[]): pulumi.Output<pulumi.Resource[]> {
  return pulumi.all(lists).apply((resolved) => resolved.flat());
}

/**
 * What a container waits for: the workloads it comes after, its volumes (and
 * their ownership fix) and its files.
 */
export function containerDependencies(
  after: pulumi.Input<pulumi.Resource[]>,
  mounts: VolumeMount[],
  context: PlatformContext,
  delivery: FileDelivery | undefined,
): pulumi.Output<pulumi.Resource[]> {
  const volumes = [...new Set(mounts.map((mount) => mount.volume))]
    .sort()
    .map((volume) => volumeHandle(context, volume).ready);
  return allOf(after, ...volumes, ...(delivery ? [delivery.ready] : []));
}
