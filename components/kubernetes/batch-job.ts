/**
 * A neutral run-to-completion job as a batch/v1 Job that `pulumi up` waits for.
 *
 * - Waiting: the provider waits until the Job completes; a failed Job fails the
 *   update. The timeout follows activeDeadlineSeconds, not the provider's 10 minutes.
 * - A new run: the Job's name ends in a hash of everything it is (pod template and
 *   job settings), so a changed image, script or setting replaces it with a new Job
 *   and never edits one in place (server-side apply would re-create a Job the TTL
 *   controller already deleted).
 * - Retries: backoffLimit within a run; `pulumi.com/replaceUnready` makes the next
 *   `pulumi up` replace a failed Job, and the run-once markers let the new one skip
 *   the indexes that had already succeeded.
 * - After ttlSecondsAfterFinished the Job is gone. A plain `pulumi up` does not look
 *   (the provider diffs against its state; its replaceUnready check ignores a Job it
 *   cannot read). After `pulumi refresh` it is re-created, finds its markers and
 *   completes at once: no retraining.
 */
import * as pulumi from "@pulumi/pulumi";
import { Job } from "@pulumi/kubernetes/batch/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { JobSpec } from "../../platform/model";
import { Labels, objectLabels } from "./labels";
import { contentHash, suffixed } from "./naming";
import { PodPlacement } from "./placement";
import { buildPodSpec } from "./pod-spec";
import { RUN_ID_VARIABLE } from "../../platform/model";
import { runOnce } from "./run-once";

/** Headroom over activeDeadlineSeconds for scheduling and image pulls before the Job's clock starts. */
const AWAIT_MARGIN_MINUTES = 10;

export type JobSettings = Pick<
  JobSpec,
  "parallelism" | "completions" | "backoffLimit" | "activeDeadlineSeconds" | "ttlSecondsAfterFinished"
>;

export interface BatchJobArgs {
  /** The neutral job. */
  job: JobSpec;
  instance: string;
  placement: PodPlacement;
  /** The namespace, resolved from its Namespace object. */
  namespace: pulumi.Input<string>;
  /** Workloads that must be ready (or finished) before the Job starts. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The run id names what the run produces (code, image, data it reads, shape of
 * the work): only a change to these trains again. The Job name covers everything,
 * so any change makes a new Job, but a change of deadline or TTL keeps the run id
 * and the new Job finds its work already done.
 */
export function runIdentity(
  job: JobSpec,
  placement: Pick<PodPlacement, "namespace" | "gpuRuntimeClassName">,
): { jobName: string; runId: string } {
  const { container } = job;
  const runId = contentHash({
    image: container.image,
    command: container.command,
    args: container.args,
    env: container.env,
    secretEnv: container.secretEnv,
    serviceEnv: container.serviceEnv,
    bundles: container.bundles,
    mounts: container.mounts,
    completions: job.completions,
  });
  const everything = contentHash({
    job,
    namespace: placement.namespace,
    gpuRuntimeClassName: placement.gpuRuntimeClassName,
  });
  return { jobName: suffixed(job.name, everything), runId };
}

export function jobSpec(settings: JobSettings, labels: Labels, pod: k8s.core.v1.PodSpec): k8s.batch.v1.JobSpec {
  return {
    parallelism: settings.parallelism,
    completions: settings.completions,
    // Each index runs once and gets JOB_COMPLETION_INDEX, so work can be split and resumed by index.
    completionMode: "Indexed",
    backoffLimit: settings.backoffLimit,
    activeDeadlineSeconds: settings.activeDeadlineSeconds,
    ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
    template: { metadata: { labels }, spec: { ...pod, restartPolicy: "Never" } },
  };
}

export function awaitTimeout(settings: Pick<JobSettings, "activeDeadlineSeconds">): string {
  return `${Math.ceil(settings.activeDeadlineSeconds / 60) + AWAIT_MARGIN_MINUTES}m`;
}

export class BatchJob extends pulumi.ComponentResource {
  readonly job: Job;
  /** The Kubernetes name of this run's Job. */
  readonly jobName: string;
  readonly runId: string;

  constructor(name: string, args: BatchJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Job", name, {}, opts);
    const { job, instance } = args;
    const { jobName, runId } = runIdentity(job, args.placement);
    this.jobName = jobName;
    this.runId = runId;
    const labels = objectLabels({ instance, name: job.name, component: job.component });
    // The trainer tells runs apart by this id: completions of one run compete, a new run replaces the old.
    const identified = { ...job.container, env: { ...job.container.env, [RUN_ID_VARIABLE]: runId } };
    const container = runOnce(identified, job.name, runId) ?? identified;
    const pod = buildPodSpec({ name: job.name, spec: container }, args.placement, { restartPolicy: "Never" });
    const timeout = awaitTimeout(job);

    this.job = new Job(
      `${name}-job`,
      {
        metadata: {
          name: jobName,
          namespace: args.namespace,
          labels,
          annotations: { "pulumi.com/replaceUnready": "true", "ml-platform/run-id": runId },
        },
        spec: jobSpec(job, labels, pod),
      },
      { parent: this, dependsOn: args.dependsOn, customTimeouts: { create: timeout, update: timeout } },
    );
    this.registerOutputs({ jobName, runId });
  }
}
