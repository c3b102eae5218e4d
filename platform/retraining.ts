/**
 * Scheduled retraining where the target has no scheduler of its own (Docker,
 * Swarm): the platform already runs an orchestrator with cron schedules, so
 * retraining is a Prefect deployment of a small flow (retraining/retraining_flow.py)
 * on the schedule's cron expression, run by the executor pool's workers. A
 * run-to-completion container registers the deployment (again whenever its
 * code or settings change); the workers load the flow from the bundle the
 * target delivers to them. This file is the part both targets share: the
 * bundle, the flow's parameters, the registration container and what the
 * stack output says about it.
 */
import * as fs from "fs";
import * as path from "path";
import { FLOWS_DIRECTORY } from "./describe";
import { ContainerSpec, ExecutorPoolSpec, FileBundle, PlatformSpec, ScheduledJobSpec } from "./model";
import { projectRoot } from "./project-root";

export const RETRAINING_DIRECTORY = "/opt/ml-platform/retraining";
const FLOW_FILE = "retraining_flow.py";
const REGISTER_FILE = "register_retraining.py";

function readScript(file: string): string {
  return fs.readFileSync(path.join(projectRoot(), "platform", "retraining", file), "utf8");
}

/** The flow and its registration script, delivered to the workers and to the registration container alike. */
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

/** The run-to-completion container that registers the deployment, as one of the pool's workers. */
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

/** The sentence the stack output gives about what runs when; `target` names the target without a scheduler. */
export function describeRetraining(spec: ScheduledJobSpec, pool: ExecutorPoolSpec, target: string): string {
  const { job } = spec;
  const runs = job.completions > 1 ? ` ${job.completions} times (at most ${job.parallelism} at once)` : "";
  return (
    `${target} has no scheduler, so Prefect runs ${spec.name}: the deployment ${spec.name}/${spec.name} in work pool ${pool.workPool} ` +
    `starts the trainer${runs} on the cron schedule "${spec.schedule}" (UTC) on a worker, never while the previous run is still going ` +
    `(concurrency limit 1, CANCEL_NEW), skips a run that starts more than ${spec.startingDeadlineSeconds}s late, retries a failed ` +
    `completion up to ${job.backoffLimit} time(s) within ${job.activeDeadlineSeconds}s, and keeps every run in Prefect's history. ` +
    `Retrain now with: prefect deployment run ${spec.name}/${spec.name}`
  );
}

/** The executor pool whose workers run scheduled retraining (the platform's first), if anything is scheduled. */
function retrainingPool(spec: PlatformSpec): ExecutorPoolSpec | undefined {
  return spec.schedules.length > 0 ? spec.executorPools[0] : undefined;
}

/** The pool for one schedule, or an error that names it. */
export function poolForSchedule(spec: PlatformSpec, schedule: ScheduledJobSpec): ExecutorPoolSpec {
  const pool = retrainingPool(spec);
  if (!pool) throw new Error(`${schedule.name} needs an executor pool to run its flow on`);
  return pool;
}

/** What a pool's workers carry besides their own files: the retraining flow, if they run it. */
export function retrainingBundlesFor(spec: PlatformSpec, pool: ExecutorPoolSpec): FileBundle[] {
  return retrainingPool(spec)?.name === pool.name ? [retrainingBundle()] : [];
}
