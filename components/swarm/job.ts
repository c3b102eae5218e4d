/**
 * A run-to-completion job on Swarm: one task per completion, each running the
 * job's command once to its end and never restarted by Swarm, since the
 * retries (backoffLimit, doubling back-off) and the deadline for all attempts
 * together happen inside the task, as on the Docker target.
 *
 * Swarm's own replicated-job mode would cap how many completions run at once
 * (parallelism), but the Docker provider (5.2.0) has no job mode: the
 * completions all start together, and a parallelism below completions is
 * reported as not applied.
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

/**
 * Runs `command` once every path is writable, with the completion index taken
 * from the task's slot (Kubernetes counts completions from 0, Swarm's slots from 1).
 */
export function completionCommand(
  command: string[],
  writablePaths: string[],
  waitSeconds = WRITABLE_WAIT_SECONDS,
): string[] {
  const waits = writablePaths.map(
    (path) =>
      `waited=0; until [ -w ${shellQuote(path)} ]; do ` +
      `if [ "$waited" -ge ${waitSeconds} ]; then echo "run: ${path} is still not writable after ${waitSeconds}s" >&2; exit 1; fi; ` +
      "sleep 2; waited=$((waited + 2)); done",
  );
  const script = [
    "set -eu",
    ...waits,
    `${COMPLETION_INDEX_VARIABLE}=$((${TASK_SLOT_VARIABLE} - 1))`,
    `export ${COMPLETION_INDEX_VARIABLE}`,
    'exec "$@"',
  ].join("\n");
  return ["/bin/sh", "-c", script, "completion", ...command];
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
      if (spec.parallelism < spec.completions) {
        pulumi.log.warn(
          `${spec.name}: training.parallelism ${spec.parallelism} is not applied on Swarm: all ${spec.completions} completions start at once ` +
            "(the Docker provider has no replicated-job mode to cap them)",
          this,
        );
      }
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
            args: completionCommand(runCommand(spec, command, args.retryDelaySeconds), writable),
            extraEnv: { [RUN_ID_VARIABLE]: id, [TASK_SLOT_VARIABLE]: "{{.Task.Slot}}" },
            networkAlias: false,
            // Never restarted by Swarm: a finished run is done, and a failed one has used its retries.
            restartPolicy: { condition: "none" },
            stopGraceSeconds: 30,
          }),
          mode: { replicated: { replicas: spec.completions } },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.registerOutputs({ service: this.service.name, runId: id });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
