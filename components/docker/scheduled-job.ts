/**
 * A scheduled job. Docker has no scheduler, so the job's own image runs as a
 * long-running scheduler container (scheduler.py, standard-library Python)
 * that starts the job's command on the cron schedule in UTC, never two runs at
 * once, and logs each run's start, exit code and duration. Its healthcheck is
 * the scheduler's heartbeat, so a hung scheduler shows as unhealthy.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, ScheduledJobSpec } from "../../platform/model";
import {
  addBudgets,
  baseContainerArgs,
  budgetOf,
  ComputeBudget,
  containerDependencies,
  prepareContainer,
} from "./container";
import { asResourceError, PlatformContext } from "./context";
import { readSchedulerScript, SCHEDULER_FILE } from "./scheduler-script";

export const SCHEDULER_DIRECTORY = "/opt/ml-platform/scheduler";
export const SCHEDULER_PATH = `${SCHEDULER_DIRECTORY}/${SCHEDULER_FILE}`;
/** Heartbeat, lock and run history; a tmpfs, so history starts afresh when the container does. */
export const SCHEDULER_STATE_DIRECTORY = "/var/lib/ml-platform-scheduler";
/** The heartbeat is written at least every 10 s; older than this means the scheduler is stuck. */
const HEARTBEAT_MAX_AGE_SECONDS = 60;
/** What the scheduler process itself needs besides the runs it starts. */
const SCHEDULER_OVERHEAD: ComputeBudget = {
  memoryMiB: 64,
  memoryReservationMiB: 32,
  cpuMillis: 100,
  cpuRequestMillis: 50,
  gpus: 0,
};

export interface DockerScheduledJobArgs {
  /** The neutral scheduled job. */
  spec: ScheduledJobSpec;
  context: PlatformContext;
  /** Resources of the workloads this one comes after (spec.after); default none. */
  after?: pulumi.Input<pulumi.Resource[]>;
  /** The scheduler script; default components/docker/scheduler.py. */
  schedulerScript?: string;
}

/** The job's own command, as the scheduler starts it for each run. */
export function jobCommand(spec: ScheduledJobSpec): string[] {
  const command = [...(spec.job.container.command ?? []), ...(spec.job.container.args ?? [])];
  if (command.length === 0) throw new Error(`${spec.name} has no command to run on its schedule`);
  return command;
}

export function schedulerCommand(spec: ScheduledJobSpec): string[] {
  const { job } = spec;
  return [
    "python3",
    SCHEDULER_PATH,
    "run",
    "--name",
    spec.name,
    "--schedule",
    spec.schedule,
    "--starting-deadline",
    String(spec.startingDeadlineSeconds),
    "--state-dir",
    SCHEDULER_STATE_DIRECTORY,
    "--completions",
    String(job.completions),
    "--parallelism",
    String(job.parallelism),
    "--backoff-limit",
    String(job.backoffLimit),
    "--deadline",
    String(job.activeDeadlineSeconds),
    "--keep-succeeded",
    String(spec.successfulRunsKept),
    "--keep-failed",
    String(spec.failedRunsKept),
    "--",
    ...jobCommand(spec),
  ];
}

/**
 * The scheduler's container: the job's container running the scheduler
 * instead, with the scheduler script as one more bundle and a writable state
 * directory.
 */
export function schedulerContainer(spec: ScheduledJobSpec, script: string): ContainerSpec {
  const container = spec.job.container;
  return {
    ...container,
    command: schedulerCommand(spec),
    args: [],
    bundles: [
      ...container.bundles,
      { name: "scheduler", directory: SCHEDULER_DIRECTORY, files: { [SCHEDULER_FILE]: script } },
    ],
    writablePaths: [...new Set([...container.writablePaths, SCHEDULER_STATE_DIRECTORY])],
  };
}

/** Up to `parallelism` runs share the container, so it may use that many times the job's resources. */
export function schedulerBudget(spec: ScheduledJobSpec): ComputeBudget {
  return addBudgets(budgetOf(spec.job.container.resources, spec.job.parallelism), SCHEDULER_OVERHEAD);
}

export function schedulerHealthcheck(): docker.types.input.ContainerHealthcheck {
  return {
    tests: [
      "CMD",
      "python3",
      SCHEDULER_PATH,
      "check",
      "--state-dir",
      SCHEDULER_STATE_DIRECTORY,
      "--max-age",
      String(HEARTBEAT_MAX_AGE_SECONDS),
    ],
    interval: "10s",
    timeout: "10s",
    retries: 3,
    startPeriod: "30s",
  };
}

/** The sentence the stack output gives about what runs when. */
export function describeSchedule(spec: ScheduledJobSpec, instance: string): string {
  const { job } = spec;
  const runs = job.completions > 1 ? ` ${job.completions} times (at most ${job.parallelism} at once)` : "";
  return (
    `Docker has no scheduler, so a long-running container runs ${spec.name}: it starts ` +
    `\`${jobCommand(spec).join(" ")}\`${runs} in ${job.container.image} on the cron schedule "${spec.schedule}" (UTC), ` +
    `never while the previous run is still going, skips a run that would start more than ${spec.startingDeadlineSeconds}s late, ` +
    `retries a failed run up to ${job.backoffLimit} time(s) within ${job.activeDeadlineSeconds}s, and logs each run's start, exit code and duration. ` +
    `See them with: docker logs $(docker ps -q --filter label=app.kubernetes.io/instance=${instance} --filter label=app.kubernetes.io/name=${spec.name}); ` +
    `retrain now with: docker exec <that container> python3 ${SCHEDULER_PATH} once --state-dir ${SCHEDULER_STATE_DIRECTORY}`
  );
}

export class DockerScheduledJob extends pulumi.ComponentResource {
  readonly scheduler: docker.Container;
  /** What runs when, in one sentence. */
  readonly description: string;
  readonly ready: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: DockerScheduledJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:ScheduledJob", name, {}, opts);
    try {
      const { spec, context } = args;
      const container = schedulerContainer(spec, args.schedulerScript ?? readSchedulerScript());
      const { identity, plan, delivery } = prepareContainer(name, container, { workload: spec, context, parent: this });
      const dependsOn = containerDependencies(args.after ?? [], container.mounts, context, delivery);

      this.scheduler = new docker.Container(
        `${name}-scheduler`,
        {
          ...baseContainerArgs(container, { identity, context, plan, delivery, budget: schedulerBudget(spec) }),
          healthcheck: schedulerHealthcheck(),
          wait: true,
          waitTimeout: 120,
          restart: "unless-stopped",
          // Room for the scheduler to stop a run it is in the middle of.
          destroyGraceSeconds: 60,
          stopTimeout: 60,
        },
        // Two schedulers side by side could start overlapping runs; the old one stops first.
        { parent: this, dependsOn, deleteBeforeReplace: true },
      );
      this.description = describeSchedule(spec, context.instance);
      this.ready = pulumi.output([this.scheduler]);
      this.registerOutputs({ scheduler: this.scheduler.name, description: this.description });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
