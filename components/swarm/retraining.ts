/**
 * Scheduled retraining on Swarm. Swarm has no cron, but the platform already
 * runs an orchestrator with cron schedules: retraining is a Prefect
 * deployment of a small flow (retraining_flow.py) on `schedule`, run by the
 * pool's workers. A one-shot service registers the deployment (again, when
 * its code or settings change); the workers load the flow from the bundle
 * the platform delivers to them.
 */
import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, ExecutorPoolSpec, FileBundle, ScheduledJobSpec } from "../../platform/model";
import { projectRoot } from "../../platform/project-root";
import { FLOWS_DIRECTORY } from "../../platform/describe";
import { asResourceError } from "../docker/context";
import { SwarmContext } from "./context";
import { ONE_SHOT_RESTART } from "./executor-pool";
import { serviceLabels, serviceName, taskSpec } from "./task";

export const RETRAINING_DIRECTORY = "/opt/ml-platform/retraining";
const FLOW_FILE = "retraining_flow.py";
const REGISTER_FILE = "register_retraining.py";

function readScript(file: string): string {
  return fs.readFileSync(path.join(projectRoot(), "components", "swarm", file), "utf8");
}

/** The flow and its registration script, delivered to the workers and to the registration task alike. */
export function retrainingBundle(): FileBundle {
  return {
    name: "retraining",
    directory: RETRAINING_DIRECTORY,
    files: { [FLOW_FILE]: readScript(FLOW_FILE), [REGISTER_FILE]: readScript(REGISTER_FILE) },
  };
}

/**
 * The flow's parameters: the scheduled job's own settings. The trainer is
 * the one the flows bundle delivers to every worker, so retraining runs the
 * same train.py as the training job.
 */
export function retrainingParameters(spec: ScheduledJobSpec): Record<string, string | number> {
  const { job } = spec;
  const args = job.container.args ?? [];
  const option = (name: string): string => {
    const index = args.indexOf(name);
    if (index < 0 || index + 1 >= args.length) throw new Error(`${spec.name}'s trainer takes no ${name}`);
    return args[index + 1];
  };
  return {
    trainer: `${FLOWS_DIRECTORY}/train.py`,
    data: option("--data"),
    models: option("--models"),
    epochs: Number(option("--epochs")),
    completions: job.completions,
    parallelism: job.parallelism,
    backoff_limit: job.backoffLimit,
    deadline_seconds: job.activeDeadlineSeconds,
    starting_deadline_seconds: spec.startingDeadlineSeconds,
  };
}

export function registrationContainer(spec: ScheduledJobSpec, pool: ExecutorPoolSpec): ContainerSpec {
  return {
    ...pool.worker,
    command: [
      "python3",
      `${RETRAINING_DIRECTORY}/${REGISTER_FILE}`,
      "--pool",
      pool.workPool,
      "--source",
      RETRAINING_DIRECTORY,
      "--name",
      spec.name,
      "--schedule",
      spec.schedule,
      "--parameters",
      JSON.stringify(retrainingParameters(spec)),
    ],
    args: undefined,
    ports: [],
    probes: {},
    mounts: [],
    bundles: [retrainingBundle()],
  };
}

/** The sentence the stack output gives about what runs when. */
export function describeRetraining(spec: ScheduledJobSpec, pool: ExecutorPoolSpec): string {
  const { job } = spec;
  const runs = job.completions > 1 ? ` ${job.completions} times (at most ${job.parallelism} at once)` : "";
  return (
    `Swarm has no scheduler, so Prefect runs ${spec.name}: the deployment ${spec.name}/${spec.name} in work pool ${pool.workPool} ` +
    `starts the trainer${runs} on the cron schedule "${spec.schedule}" (UTC) on a worker, never while the previous run is still going ` +
    `(concurrency limit 1, CANCEL_NEW), skips a run that starts more than ${spec.startingDeadlineSeconds}s late, retries a failed ` +
    `completion up to ${job.backoffLimit} time(s) within ${job.activeDeadlineSeconds}s, and keeps every run in Prefect's history. ` +
    `Retrain now with: prefect deployment run ${spec.name}/${spec.name}`
  );
}

export interface SwarmRetrainingArgs {
  spec: ScheduledJobSpec;
  pool: ExecutorPoolSpec;
  context: SwarmContext;
}

export class SwarmRetraining extends pulumi.ComponentResource {
  readonly registration: docker.Service;
  readonly description: string;

  constructor(name: string, args: SwarmRetrainingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Retraining", name, {}, opts);
    try {
      const { spec, pool, context } = args;
      const container = registrationContainer(spec, pool);
      const workload = `${spec.name}-register-deployment`;
      const identity = { instance: context.instance, name: workload, component: spec.component };
      this.registration = new docker.Service(
        `${name}-register-deployment`,
        {
          name: serviceName(context, workload),
          labels: serviceLabels(identity),
          taskSpec: taskSpec(container, {
            identity,
            context,
            networkAlias: false,
            restartPolicy: ONE_SHOT_RESTART,
            stopGraceSeconds: 10,
          }),
          mode: { replicated: { replicas: 1 } },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.description = describeRetraining(spec, pool);
      this.registerOutputs({ registration: this.registration.name, description: this.description });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
