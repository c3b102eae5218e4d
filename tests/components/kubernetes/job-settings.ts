/**
 * Checks on rendered Job and CronJob specs shared by the component tests and
 * the prod stack suite: that a Job runs with the neutral job's settings and a
 * CronJob with the schedule's, whichever config they came from.
 */
import * as assert from "assert";

type Json = Record<string, unknown>;

/** How a run-to-completion job runs, as the config and a Job spec both name it. */
export interface JobSettings {
  parallelism: unknown;
  completions: unknown;
  backoffLimit: unknown;
  activeDeadlineSeconds: unknown;
  ttlSecondsAfterFinished: unknown;
}

/** When a scheduled job runs and how much history it keeps, as the config names it. */
export interface ScheduleSettings {
  schedule: unknown;
  startingDeadlineSeconds: unknown;
  successfulJobsHistoryLimit: unknown;
  failedJobsHistoryLimit: unknown;
}

/** A Job spec (or a CronJob's job template spec) carries the job's settings. */
export function assertJobSettings(jobSpec: Json, expected: JobSettings, message: string): void {
  assert.deepStrictEqual(
    [
      jobSpec.parallelism,
      jobSpec.completions,
      jobSpec.backoffLimit,
      jobSpec.activeDeadlineSeconds,
      jobSpec.ttlSecondsAfterFinished,
    ],
    [
      expected.parallelism,
      expected.completions,
      expected.backoffLimit,
      expected.activeDeadlineSeconds,
      expected.ttlSecondsAfterFinished,
    ],
    message,
  );
}

/** A CronJob spec runs on the schedule in UTC, never overlapping a running job, keeping the history asked for. */
export function assertScheduleSettings(cronJobSpec: Json, expected: ScheduleSettings, message: string): void {
  assert.deepStrictEqual(
    [
      cronJobSpec.schedule,
      cronJobSpec.timeZone,
      cronJobSpec.concurrencyPolicy,
      cronJobSpec.startingDeadlineSeconds,
      cronJobSpec.successfulJobsHistoryLimit,
      cronJobSpec.failedJobsHistoryLimit,
    ],
    [
      expected.schedule,
      "Etc/UTC",
      "Forbid",
      expected.startingDeadlineSeconds,
      expected.successfulJobsHistoryLimit,
      expected.failedJobsHistoryLimit,
    ],
    message,
  );
}
