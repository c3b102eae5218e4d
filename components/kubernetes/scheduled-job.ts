/**
 * A neutral scheduled job as a batch/v1 CronJob: the same pod as the job it
 * repeats, on a UTC schedule, never overlapping a run still in progress.
 */
import * as pulumi from "@pulumi/pulumi";
import { CronJob } from "@pulumi/kubernetes/batch/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { ScheduledJobSpec } from "../../platform/model";
import { jobSpec } from "./batch-job";
import { Labels, objectLabels } from "./labels";
import { PodPlacement } from "./placement";
import { buildPodSpec } from "./pod-spec";
import { RUN_ID_VARIABLE } from "../../platform/model";

/** The label the Job controller puts on every pod of a Job, naming the Job. */
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

/** The neutral schedule is evaluated in UTC; without a zone the controller uses its own local time. */
export const SCHEDULE_TIME_ZONE = "Etc/UTC";

export interface ScheduledJobArgs {
  /** The neutral schedule. */
  schedule: ScheduledJobSpec;
  instance: string;
  placement: PodPlacement;
  /** The namespace, resolved from its Namespace object. */
  namespace: pulumi.Input<string>;
  /** Workloads that must be ready (or finished) before the first run may start. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function cronJobSpec(
  schedule: ScheduledJobSpec,
  labels: Labels,
  pod: k8s.core.v1.PodSpec,
): k8s.batch.v1.CronJobSpec {
  const concurrencyPolicies: Record<ScheduledJobSpec["concurrency"], string> = { forbid: "Forbid" };
  return {
    schedule: schedule.schedule,
    timeZone: SCHEDULE_TIME_ZONE,
    concurrencyPolicy: concurrencyPolicies[schedule.concurrency],
    startingDeadlineSeconds: schedule.startingDeadlineSeconds,
    successfulJobsHistoryLimit: schedule.successfulRunsKept,
    failedJobsHistoryLimit: schedule.failedRunsKept,
    jobTemplate: { metadata: { labels }, spec: jobSpec(schedule.job, labels, pod) },
  };
}

export class ScheduledJob extends pulumi.ComponentResource {
  readonly cronJob: CronJob;

  constructor(name: string, args: ScheduledJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:ScheduledJob", name, {}, opts);
    const { schedule, instance } = args;
    const labels = objectLabels({ instance, name: schedule.name, component: schedule.component });
    const pod = buildPodSpec(
      {
        name: schedule.name,
        spec: schedule.job.container,
        // Each scheduled Job is one run: its completions share the Job's name as their run id.
        extraEnv: [
          { name: RUN_ID_VARIABLE, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_NAME_LABEL}']` } } },
        ],
      },
      args.placement,
      { restartPolicy: "Never" },
    );
    this.cronJob = new CronJob(
      `${name}-cronjob`,
      {
        metadata: { name: schedule.name, namespace: args.namespace, labels },
        spec: cronJobSpec(schedule, labels, pod),
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
