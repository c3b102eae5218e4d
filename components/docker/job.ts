/**
 * A run-to-completion job: `completions` containers, at most `parallelism` of
 * them running at once, each attached to by `pulumi up` until it exits.
 *
 * Any change to what a run does (image, command, config, files) replaces its
 * container, and a new container is a new run. A run that exits non-zero
 * fails the deployment with its exit code and the tail of its log, and the
 * workloads that come after the job are not started.
 *
 * Retries: Docker's on-failure restart would end `pulumi up`'s attach at the
 * first exit, so each run retries inside its container instead, up to
 * backoffLimit more times with Kubernetes' doubling back-off, within
 * activeDeadlineSeconds for all attempts together.
 */
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { COMPLETION_INDEX_VARIABLE, JobSpec, RUN_ID_VARIABLE } from "../../platform/model";
import { withRetriesAndDeadline } from "./commands";
import { allOf, baseContainerArgs, commandFor, containerDependencies, prepareContainer } from "./container";
import { asResourceError, PlatformContext } from "./context";
import { requireSuccess, RUN_TO_COMPLETION } from "./run-result";

/** The job's neutral settings; a scheduled job's template has the same shape. */
export type JobTemplate = Pick<
  JobSpec,
  "container" | "parallelism" | "completions" | "backoffLimit" | "activeDeadlineSeconds"
>;

export interface DockerJobArgs {
  /** The neutral job to run. */
  spec: JobSpec;
  context: PlatformContext;
  /** Resources of the workloads this one comes after (spec.after); default none. */
  after?: pulumi.Input<pulumi.Resource[]>;
  /** First pause between attempts of a failed run, doubling each time; default 10 seconds. */
  retryDelaySeconds?: number;
}

/** The job's command wrapped in its retry loop and deadline. */
export function runCommand(job: JobTemplate, command: string[], retryDelaySeconds = 10): string[] {
  return withRetriesAndDeadline(command, {
    retries: job.backoffLimit,
    deadlineSeconds: job.activeDeadlineSeconds,
    initialDelaySeconds: retryDelaySeconds,
  });
}

/**
 * The runs that must finish before run `index` may start, so that no more
 * than `parallelism` run at once: run i waits for run i - parallelism.
 */
export function predecessorIndex(index: number, parallelism: number): number | undefined {
  return index >= parallelism ? index - parallelism : undefined;
}

/**
 * What the runs of one deployment share: a digest of everything the job does,
 * so all completions of a run agree on it and a changed job is a new run.
 */
export function runId(job: JobTemplate): string {
  const { container, parallelism, completions, backoffLimit, activeDeadlineSeconds } = job;
  const described = JSON.stringify({ container, parallelism, completions, backoffLimit, activeDeadlineSeconds });
  return crypto.createHash("sha256").update(described).digest("hex").slice(0, 12);
}

export function runEnvironment(id: string, index: number): Record<string, string> {
  return { [RUN_ID_VARIABLE]: id, [COMPLETION_INDEX_VARIABLE]: String(index) };
}

/** How long `pulumi up` waits on one run: its deadline plus ten minutes to pull, start and stop. */
export function runTimeout(job: JobTemplate): string {
  return `${job.activeDeadlineSeconds + 600}s`;
}

export class DockerJob extends pulumi.ComponentResource {
  readonly runs: docker.Container[];
  /** The runs' exit codes once all succeeded; rejects with the first failure's exit code and log tail. */
  readonly succeeded: pulumi.Output<number[]>;
  /** The runs, available only once all of them succeeded. */
  readonly ready: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: DockerJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Job", name, {}, opts);
    try {
      const { spec, context } = args;
      const { identity, plan, delivery } = prepareContainer(name, spec.container, {
        workload: spec,
        context,
        parent: this,
      });
      const command = commandFor(spec.container, plan, spec.name);
      if (!command) throw new pulumi.ResourceError(`${spec.name} has no command to run`, this);
      const id = runId(spec);
      const runArgs = (index: number): docker.ContainerArgs => ({
        ...baseContainerArgs(spec.container, {
          identity,
          context,
          plan,
          delivery,
          command: runCommand(spec, command, args.retryDelaySeconds),
          networkAlias: false,
          extraEnv: runEnvironment(id, index),
        }),
        ...RUN_TO_COMPLETION,
        destroyGraceSeconds: 30,
      });
      const dependsOn = containerDependencies(args.after ?? [], spec.container.mounts, context, delivery);

      const runs: docker.Container[] = [];
      for (let index = 0; index < spec.completions; index++) {
        const predecessor = predecessorIndex(index, spec.parallelism);
        runs.push(
          new docker.Container(`${name}-run-${index}`, runArgs(index), {
            parent: this,
            dependsOn: predecessor === undefined ? dependsOn : allOf(dependsOn, [runs[predecessor]]),
            customTimeouts: { create: runTimeout(spec) },
          }),
        );
      }
      this.runs = runs;
      this.succeeded = pulumi.all(
        runs.map((run, index) =>
          requireSuccess(`${spec.name} run ${index + 1} of ${spec.completions} (${name}-run-${index})`, run),
        ),
      );
      this.ready = this.succeeded.apply(() => runs);
      this.registerOutputs({ succeeded: this.succeeded });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
