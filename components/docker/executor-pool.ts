/**
 * Prefect workers that run each flow run in its own executor. On Docker the
 * executor is a process: the worker starts one subprocess per flow run inside
 * its own container (Prefect's Compose recipe does the same), so the
 * executors' volumes are mounted on the workers and each worker's limits
 * cover itself plus the flow runs it may hold at once.
 *
 * A docker-type pool, one container per flow run through the host's Docker
 * socket, is an explicit opt-in of this target's own settings
 * (docker.workerDockerSocket): whoever controls that socket is root on the host.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, ExecutorPoolSpec, FileBundle } from "../../platform/model";
import { registerPoolContainer } from "../../platform/work-pool";
import {
  addBudgets,
  allOf,
  baseContainerArgs,
  budgetOf,
  ComputeBudget,
  containerDependencies,
  prepareContainer,
} from "./container";
import { asResourceError, PlatformContext } from "./context";
import { healthcheckFor, waitTimeoutSeconds } from "./probes";
import { runOnce } from "./one-shot";
import { DockerSettings } from "./settings";
import { executorMountsOnWorkers } from "./volumes";

export const DOCKER_SOCKET = "/var/run/docker.sock";

export interface DockerExecutorPoolArgs {
  /** The neutral executor pool. */
  spec: ExecutorPoolSpec;
  /** How flow runs execute: processes in the workers, or containers through the host's Docker socket. */
  executors: ExecutorType;
  context: PlatformContext;
  /** Resources of the workloads this one comes after (spec.after); default none. */
  after?: pulumi.Input<pulumi.Resource[]>;
  /** Files the workers need besides the spec's (the retraining flow). */
  extraBundles?: FileBundle[];
}

export type ExecutorType = "process" | "docker";

/** The executors the docker target's settings ask for: containers only with the explicit socket opt-in. */
export function executorType(settings: DockerSettings): ExecutorType {
  return settings.workerDockerSocket ? "docker" : "process";
}

/**
 * The worker container: the neutral worker plus the executor type and the files it needs besides
 * its own (`extraBundles`: the retraining flow), and for docker-type the socket's needs.
 */
export function workerContainer(
  spec: ExecutorPoolSpec,
  type: ExecutorType,
  extraBundles: FileBundle[] = [],
): ContainerSpec {
  const worker: ContainerSpec = {
    ...spec.worker,
    command: [...(spec.worker.command ?? []), "--type", type],
    bundles: [...spec.worker.bundles, ...extraBundles],
  };
  if (type === "process") return worker;
  return {
    ...worker,
    // The image's entrypoint installs EXTRA_PIP_PACKAGES at start, into root-owned site-packages.
    env: { ...worker.env, EXTRA_PIP_PACKAGES: "prefect-docker" },
    user: { uid: 0, gid: 0 },
    readOnlyRootFilesystem: false,
  };
}

/** A process worker hosts its flow runs, so it may use its own resources plus theirs. */
export function workerBudget(spec: ExecutorPoolSpec, type: ExecutorType): ComputeBudget {
  const own = budgetOf(spec.worker.resources);
  return type === "process" ? addBudgets(own, budgetOf(spec.executor.resources, spec.runsPerWorker)) : own;
}

export const DOCKER_SOCKET_WARNING =
  "docker.workerDockerSocket is on: the Prefect workers get the host's Docker socket, which lets them (and every flow they run) " +
  "do anything root can do on this host. The flow-run containers start on Docker's default bridge unless the work pool's " +
  "job template names the platform network.";

/**
 * The run that registers the pool before any worker starts (see
 * platform/work-pool.ts); it runs again whenever the pool's settings change.
 */
function registerPool(
  name: string,
  spec: ExecutorPoolSpec,
  type: ExecutorType,
  context: PlatformContext,
  after: pulumi.Input<pulumi.Resource[]>,
  parent: pulumi.Resource,
): pulumi.Output<pulumi.Resource[]> {
  return runOnce(name, registerPoolContainer(spec, type), {
    // Its own component label: it is not one of the pool's workers.
    workload: { name: spec.name, component: "work-pool-registration" },
    context,
    after,
    parent,
    what: `Registering work pool ${spec.workPool}`,
  }).ready;
}

export class DockerExecutorPool extends pulumi.ComponentResource {
  readonly workers: docker.Container[];
  readonly ready: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: DockerExecutorPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:ExecutorPool", name, {}, opts);
    try {
      const { spec, executors, context } = args;
      const container = workerContainer(spec, executors, args.extraBundles);
      const healthcheck = healthcheckFor(container);
      if (!healthcheck) throw new pulumi.ResourceError(`${spec.name} has no readiness or liveness probe`, this);
      if (executors === "docker") pulumi.log.warn(DOCKER_SOCKET_WARNING, this);

      const { identity, plan, delivery } = prepareContainer(name, container, { workload: spec, context, parent: this });
      const extraMounts = executorMountsOnWorkers(spec, executors);
      const bindMounts: docker.types.input.ContainerMount[] =
        executors === "docker" ? [{ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET }] : [];
      const workerArgs: docker.ContainerArgs = {
        ...baseContainerArgs(container, {
          identity,
          context,
          plan,
          delivery,
          extraMounts,
          bindMounts,
          budget: workerBudget(spec, executors),
        }),
        healthcheck,
        wait: true,
        waitTimeout: waitTimeoutSeconds(container),
        restart: "unless-stopped",
        // Time for in-flight flow runs to be marked as such before the worker goes.
        destroyGraceSeconds: 30,
        stopTimeout: 30,
      };
      const registered = registerPool(`${name}-register-pool`, spec, executors, context, args.after ?? [], this);
      const dependsOn = allOf(
        containerDependencies(args.after ?? [], [...container.mounts, ...extraMounts], context, delivery),
        registered,
      );
      this.workers = Array.from(
        { length: spec.replicas },
        (_, index) => new docker.Container(`${name}-${index}`, workerArgs, { parent: this, dependsOn }),
      );
      this.ready = pulumi.output(this.workers);
      this.registerOutputs({ workers: this.workers.map((worker) => worker.name), type: executors });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
