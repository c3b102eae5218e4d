/**
 * Turns a neutral ContainerSpec into the task spec every Swarm service
 * shares: image, command, environment, secrets and configs as files,
 * resources, hardening, mounts, network, labels and logging. The workload
 * components add what is theirs (replicas, restart and update policies,
 * healthcheck, ports, placement).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, VolumeMount } from "../../platform/model";
import { withVariablesFromFiles } from "../docker/commands";
import { budgetOf, ComputeBudget } from "../docker/container";
import { labelList, recommendedLabels, WorkloadIdentity } from "../docker/labels";
import { SECRETS_DIRECTORY } from "../docker/file-delivery";
import { SwarmContext, volumeName } from "./context";

type TaskSpec = docker.types.input.ServiceTaskSpec;
type ContainerSpecArgs = docker.types.input.ServiceTaskSpecContainerSpec;
type Mount = docker.types.input.ServiceTaskSpecContainerSpecMount;

const MEBIBYTE = 1024 * 1024;

/** How a container's secret variables reach it: files the image reads itself, or files a wrapper exports. */
export interface SecretPlan {
  /** Variables the image reads from a file itself (its *_FILE convention): name -> file path. */
  fileVariables: Record<string, string>;
  /** Variables the command wrapper exports from a file before the process starts: name -> file path. */
  variablesFromFiles: Record<string, string>;
}

export function secretPlan(container: ContainerSpec): SecretPlan {
  const plan: SecretPlan = { fileVariables: {}, variablesFromFiles: {} };
  for (const variable of Object.keys(container.secretEnv).sort()) {
    const reference = container.secretEnv[variable];
    const file = `${SECRETS_DIRECTORY}/${variable}`;
    if (reference.fileVariable) plan.fileVariables[reference.fileVariable] = file;
    else plan.variablesFromFiles[variable] = file;
  }
  return plan;
}

/**
 * The task's arguments (Swarm's Args: the image's entrypoint stays, as on the
 * Docker target), wrapped to read secrets from their files when it must.
 */
export function taskArgs(container: ContainerSpec, plan: SecretPlan, workload: string): string[] | undefined {
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  if (Object.keys(plan.variablesFromFiles).length === 0) return command.length > 0 ? command : undefined;
  if (!container.command || container.command.length === 0) {
    throw new Error(
      `${workload} takes ${Object.keys(plan.variablesFromFiles).join(", ")} from a secret without a *_FILE convention, ` +
        "so the Swarm target must wrap its command, but the spec gives none",
    );
  }
  return withVariablesFromFiles(command, plan.variablesFromFiles);
}

/** Plain environment: the spec's values, service addresses and *_FILE paths; never a secret value. */
export function taskEnvironment(
  container: ContainerSpec,
  plan: SecretPlan,
  context: SwarmContext,
  extra: Record<string, string> = {},
): Record<string, string> {
  const values: Record<string, string> = { ...container.env };
  for (const [name, reference] of Object.entries(container.serviceEnv))
    values[name] = context.addresses.address(reference);
  Object.assign(values, plan.fileVariables, extra);
  return Object.fromEntries(
    Object.keys(values)
      .sort()
      .map((name) => [name, values[name]]),
  );
}

/** Limits are hard; requests become reservations, which the scheduler places tasks by. */
export function taskResources(budget: ComputeBudget): docker.types.input.ServiceTaskSpecResources {
  return {
    limits: { nanoCpus: budget.cpuMillis * 1_000_000, memoryBytes: budget.memoryMiB * MEBIBYTE },
    reservation: {
      nanoCpus: budget.cpuRequestMillis * 1_000_000,
      memoryBytes: Math.min(budget.memoryReservationMiB, budget.memoryMiB) * MEBIBYTE,
    },
  };
}

/** A tmpfs for each writable path, a quarter of the memory limit each (tmpfs pages count against it). */
export function tmpfsMounts(paths: string[], memoryMiB: number): Mount[] {
  const sizeBytes = Math.max(16, Math.floor(memoryMiB / 4)) * MEBIBYTE;
  return [...paths].sort().map((path) => ({ type: "tmpfs", target: path, tmpfsOptions: { sizeBytes, mode: 0o1777 } }));
}

export function volumeMounts(mounts: VolumeMount[], context: SwarmContext): Mount[] {
  return mounts.map((mount) => ({
    type: "volume",
    source: volumeName(context, mount.volume),
    target: mount.path,
    readOnly: mount.readOnly,
    // The volume's content and owner are the platform's, never copied up from whatever the image has there.
    volumeOptions: { noCopy: true, driverName: context.volumeDriver },
  }));
}

/** The container's secrets as Swarm secrets under /run/secrets, readable by its user only. */
export function secretFiles(
  container: ContainerSpec,
  context: SwarmContext,
): docker.types.input.ServiceTaskSpecContainerSpecSecret[] {
  return Object.keys(container.secretEnv)
    .sort()
    .map((variable) => {
      const reference = container.secretEnv[variable];
      const secret = context.files.secret(reference.secret, reference.key);
      return {
        secretId: secret.id,
        secretName: secret.name,
        fileName: `${SECRETS_DIRECTORY}/${variable}`,
        fileUid: String(container.user.uid),
        fileGid: String(container.user.gid),
        fileMode: 0o400,
      };
    });
}

/** The container's bundles as Swarm configs at their paths, readable by everyone in the task. */
export function configFiles(
  container: ContainerSpec,
  context: SwarmContext,
): docker.types.input.ServiceTaskSpecContainerSpecConfig[] {
  return [...container.bundles]
    .sort((a, b) => a.directory.localeCompare(b.directory))
    .flatMap((bundle) =>
      Object.keys(bundle.files)
        .sort()
        .map((file) => {
          const config = context.files.config(bundle, file);
          return {
            configId: config.id,
            configName: config.name,
            fileName: `${bundle.directory}/${file}`,
            fileUid: "0",
            fileGid: "0",
            fileMode: 0o444,
          };
        }),
    );
}

/** Container logs rotate, so a chatty workload cannot fill a node's disk. */
export const LOG_DRIVER: docker.types.input.ServiceTaskSpecLogDriver = {
  name: "json-file",
  options: { "max-size": "10m", "max-file": "3" },
};

export interface TaskOptions {
  identity: WorkloadIdentity;
  context: SwarmContext;
  /** What the task may use; default the spec's own resources. */
  budget?: ComputeBudget;
  /** Mounts beyond the spec's own (a service's state volume, executor volumes). */
  extraMounts?: VolumeMount[];
  /** Replaces the spec's command (already wrapped as needed). */
  args?: string[];
  /** Plain variables the target itself sets (a run's id and completion index). */
  extraEnv?: Record<string, string>;
  /** Whether the task answers to the workload's name on the network; default true. */
  networkAlias?: boolean;
  healthcheck?: docker.types.input.ServiceTaskSpecContainerSpecHealthcheck;
  restartPolicy: docker.types.input.ServiceTaskSpecRestartPolicy;
  /** Placement constraints; default none. */
  constraints?: string[];
  /** Seconds a task gets to stop cleanly before it is killed. */
  stopGraceSeconds: number;
}

/** The task spec every service of the platform shares. */
export function taskSpec(container: ContainerSpec, options: TaskOptions): TaskSpec {
  const { identity, context } = options;
  const plan = secretPlan(container);
  const budget = options.budget ?? budgetOf(container.resources);
  const containerSpec: ContainerSpecArgs = {
    image: container.image,
    args: options.args ?? taskArgs(container, plan, identity.name),
    env: taskEnvironment(container, plan, context, options.extraEnv),
    user: `${container.user.uid}:${container.user.gid}`,
    readOnly: container.readOnlyRootFilesystem,
    capDrops: ["ALL"],
    // A real PID 1 forwards signals and reaps the zombies of processes that spawn children.
    init: true,
    mounts: [
      ...volumeMounts([...container.mounts, ...(options.extraMounts ?? [])], context),
      ...(container.readOnlyRootFilesystem ? tmpfsMounts(container.writablePaths, budget.memoryMiB) : []),
    ],
    secrets: secretFiles(container, context),
    configs: configFiles(container, context),
    healthcheck: options.healthcheck,
    stopGracePeriod: `${options.stopGraceSeconds}s`,
    labels: labelList(recommendedLabels(identity)),
  };
  return {
    containerSpec,
    resources: taskResources(budget),
    restartPolicy: options.restartPolicy,
    placement: options.constraints ? { constraints: options.constraints } : undefined,
    networksAdvanceds: [
      { name: context.networkId, aliases: options.networkAlias === false ? undefined : [identity.name] },
    ],
    logDriver: LOG_DRIVER,
  };
}

/** Labels on the service object itself, so `docker service ls --filter label=…` selects alike. */
export function serviceLabels(
  identity: WorkloadIdentity,
  extra: Record<string, pulumi.Input<string>> = {},
): { label: string; value: pulumi.Input<string> }[] {
  return labelList({ ...recommendedLabels(identity), ...extra });
}

/** Services are named after their workload within the instance, as `docker stack deploy` names them. */
export function serviceName(context: SwarmContext, workload: string): string {
  return `${context.instance}_${workload}`;
}
