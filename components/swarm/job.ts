/**
 * A run-to-completion job on Swarm: `min(parallelism, completions)` tasks,
 * each running its share of the completions one after another (task slot s
 * runs completions s-1, s-1+parallelism, …), so at most `parallelism` run at
 * once and every completion index runs exactly once, as run i waits for run
 * i - parallelism on the Docker target. Swarm never restarts a task: the
 * retries (backoffLimit, doubling back-off) and the deadline for all attempts
 * together happen inside the task, for each completion.
 *
 * Swarm's own replicated-job mode would do the capping, but the Docker
 * provider (5.2.0) has no job mode, so the tasks share the work themselves.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPLETION_INDEX_VARIABLE, JobSpec, RUN_ID_VARIABLE } from "../../platform/model";
import { shellQuote } from "../docker/commands";
import { asResourceError } from "../docker/context";
import { runCommand, runId } from "../docker/job";
import { SwarmContext } from "./context";
import { secretPlan, serviceLabels, serviceName, taskArgs, taskSpec } from "./task";

/** Swarm fills this per task from the service template ({{.Task.Slot}}: 1, 2, …). */
export const TASK_SLOT_VARIABLE = "ML_PLATFORM_TASK_SLOT";
/** How long a run waits for a writable volume (its ownership fix runs beside it) before it gives up. */
export const WRITABLE_WAIT_SECONDS = 300;

/** How a job's completions are shared between its tasks. */
export interface CompletionShare {
  parallelism: number;
  completions: number;
}

/** How many tasks run the job: one per completion, but never more than may run at once. */
export function taskCount(share: CompletionShare): number {
  return Math.min(share.parallelism, share.completions);
}

/**
 * Runs `command` once every path is writable, for each completion index of
 * the task's share, one after another; the first failure ends the task with
 * its exit code. Kubernetes counts completions from 0, Swarm's slots from 1.
 */
export function completionCommand(
  command: string[],
  writablePaths: string[],
  share: CompletionShare,
  waitSeconds = WRITABLE_WAIT_SECONDS,
): string[] {
  const waits = writablePaths.map(
    (path) =>
      `waited=0; until [ -w ${shellQuote(path)} ]; do ` +
      `if [ "$waited" -ge ${waitSeconds} ]; then echo "run: ${path} is still not writable after ${waitSeconds}s" >&2; exit 1; fi; ` +
      "sleep 2; waited=$((waited + 2)); done",
  );
  const firstIndex = `$((${TASK_SLOT_VARIABLE} - 1))`;
  // A task with one completion hands its process over to the command, which then receives Swarm's stop signal.
  const run =
    taskCount(share) === share.completions
      ? [`${COMPLETION_INDEX_VARIABLE}=${firstIndex}`, `export ${COMPLETION_INDEX_VARIABLE}`, 'exec "$@"']
      : [
          `index=${firstIndex}`,
          `while [ "$index" -lt ${share.completions} ]; do`,
          `  echo "run: completion $((index + 1)) of ${share.completions} starting" >&2`,
          `  ${COMPLETION_INDEX_VARIABLE}="$index" "$@"`,
          `  index=$((index + ${share.parallelism}))`,
          "done",
        ];
  return ["/bin/sh", "-c", ["set -eu", ...waits, ...run].join("\n"), "completion", ...command];
}

export interface SwarmJobArgs {
  spec: JobSpec;
  context: SwarmContext;
  /** First pause between attempts of a failed run, doubling each time; default 10 seconds. */
  retryDelaySeconds?: number;
}

export class SwarmJob extends pulumi.ComponentResource {
  readonly service: docker.Service;

  constructor(name: string, args: SwarmJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Job", name, {}, opts);
    try {
      const { spec, context } = args;
      const command = taskArgs(spec.container, secretPlan(spec.container), spec.name);
      if (!command) throw new pulumi.ResourceError(`${spec.name} has no command to run`, this);
      const id = runId(spec);
      const writable = spec.container.mounts.filter((mount) => !mount.readOnly).map((mount) => mount.path);
      const identity = { instance: context.instance, name: spec.name, component: spec.component };
      this.service = new docker.Service(
        `${name}-service`,
        {
          name: serviceName(context, spec.name),
          // The run id in the service's labels: a changed job is a new run, and the old run's tasks are replaced.
          labels: serviceLabels(identity, { "ml-platform.run-id": id }),
          taskSpec: taskSpec(spec.container, {
            identity,
            context,
            args: completionCommand(runCommand(spec, command, args.retryDelaySeconds), writable, spec),
            extraEnv: { [RUN_ID_VARIABLE]: id, [TASK_SLOT_VARIABLE]: "{{.Task.Slot}}" },
            networkAlias: false,
            // Never restarted by Swarm: a finished run is done, and a failed one has used its retries.
            restartPolicy: { condition: "none" },
            stopGraceSeconds: 30,
          }),
          mode: { replicated: { replicas: taskCount(spec) } },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.registerOutputs({ service: this.service.name, runId: id });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
