/**
 * Prefect workers that run each flow run as a process inside their own task,
 * as on the Docker target: Swarm has no per-run tasks a worker could start
 * (a worker that created services would need the manager's socket, which is
 * root on every node). The executors' volumes are mounted on the workers and
 * each worker's limits cover itself plus the flow runs it may hold at once.
 *
 * The work pool is registered by a one-shot service beside the workers;
 * until it has run, a worker that finds no pool exits and Swarm restarts it.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ExecutorPoolSpec, FileBundle } from "../../platform/model";
import { registerPoolContainer } from "../../platform/work-pool";
import { asResourceError } from "../docker/context";
import { ExecutorType, workerBudget, workerContainer } from "../docker/executor-pool";
import { healthcheckFor } from "../docker/probes";
import { executorMountsOnWorkers } from "../docker/volumes";
import { SwarmContext } from "./context";
import { ALWAYS_RESTART, rollbackConfig, updateConfig } from "./service";
import { serviceLabels, serviceName, taskSpec } from "./task";

export interface SwarmExecutorPoolArgs {
  spec: ExecutorPoolSpec;
  context: SwarmContext;
  /** Files the workers need besides the spec's (the retraining flow). */
  extraBundles?: FileBundle[];
}

/** Flow runs are processes in the workers: a worker that started containers would need the manager's socket. */
export const SWARM_EXECUTORS: ExecutorType = "process";

/** A one-shot task: retried while the server is not up yet, then done for good. */
export const ONE_SHOT_RESTART: docker.types.input.ServiceTaskSpecRestartPolicy = {
  condition: "on-failure",
  delay: "10s",
  maxAttempts: 30,
  window: "0s",
};

export class SwarmExecutorPool extends pulumi.ComponentResource {
  readonly workers: docker.Service;
  readonly registration: docker.Service;

  constructor(name: string, args: SwarmExecutorPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:ExecutorPool", name, {}, opts);
    try {
      const { spec, context } = args;
      const container = workerContainer(spec, SWARM_EXECUTORS, args.extraBundles);
      const healthcheck = healthcheckFor(container);
      if (!healthcheck) throw new pulumi.ResourceError(`${spec.name} has no readiness or liveness probe`, this);

      const registrationContainer = registerPoolContainer(spec, SWARM_EXECUTORS);
      const registrationName = `${spec.name}-register-pool`;
      const registrationIdentity = {
        instance: context.instance,
        name: registrationName,
        component: "work-pool-registration",
      };
      this.registration = new docker.Service(
        `${name}-register-pool`,
        {
          name: serviceName(context, registrationName),
          labels: serviceLabels(registrationIdentity),
          taskSpec: taskSpec(registrationContainer, {
            identity: registrationIdentity,
            context,
            networkAlias: false,
            restartPolicy: ONE_SHOT_RESTART,
            stopGraceSeconds: 10,
          }),
          mode: { replicated: { replicas: 1 } },
        },
        { parent: this, deleteBeforeReplace: true },
      );

      const identity = { instance: context.instance, name: spec.name, component: spec.component };
      this.workers = new docker.Service(
        `${name}-workers`,
        {
          name: serviceName(context, spec.name),
          labels: serviceLabels(identity),
          taskSpec: taskSpec(container, {
            identity,
            context,
            budget: workerBudget(spec, SWARM_EXECUTORS),
            extraMounts: executorMountsOnWorkers(spec, SWARM_EXECUTORS),
            healthcheck,
            restartPolicy: ALWAYS_RESTART,
            // Time for in-flight flow runs to be marked as such before the worker goes.
            stopGraceSeconds: 30,
          }),
          mode: { replicated: { replicas: spec.replicas } },
          // Runs in flight belong to the old worker: the new one starts first and takes new runs.
          updateConfig: updateConfig(context, "start-first"),
          rollbackConfig: rollbackConfig(context, "start-first"),
          endpointSpec: { mode: context.endpointMode },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.registerOutputs({ workers: this.workers.name, registration: this.registration.name });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
