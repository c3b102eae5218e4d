import * as assert from "assert";
import { RUN_ID_VARIABLE } from "../../../platform/model";
import { ScheduledJob } from "../../../components/kubernetes/scheduled-job";
import { build, K8S, single, specWith, testPlacement } from "./harness";
import { assertJobSettings, assertScheduleSettings } from "./job-settings";
import { podTemplateOf, restrictedViolations } from "./pod-rules";
import { field } from "../../support/field";

type Json = Record<string, unknown>;

async function deploy(overrides: Record<string, unknown>) {
  const spec = specWith(overrides);
  return build(
    () =>
      new ScheduledJob("retraining", {
        schedule: spec.schedules[0],
        instance: spec.instance,
        placement: testPlacement({ spec }),
        namespace: "ml-platform",
      }),
  );
}

describe("kubernetes target: ScheduledJob", () => {
  for (const retraining of [
    { schedule: "0 3 * * *", startingDeadlineSeconds: 600, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 },
    { schedule: "@weekly", startingDeadlineSeconds: 60, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 10 },
  ]) {
    it(`is a CronJob on "${retraining.schedule}" in UTC that never overlaps a running retraining`, async () => {
      const built = await deploy({ retraining: { enabled: true, ...retraining } });
      const cronJob = single(built, K8S.cronJob);
      assertScheduleSettings(
        cronJob.inputs.spec as Json,
        retraining,
        `${cronJob.name}: schedule, zone, concurrency, deadline and history`,
      );
    });
  }

  for (const [written, sent] of [
    ["  @daily", "@daily"],
    ["0  3 *\t* * ", "0 3 * * *"],
  ]) {
    it(`sends ${JSON.stringify(written)} as ${JSON.stringify(sent)}, the form Kubernetes' cron parser takes`, async () => {
      const built = await deploy({ retraining: { enabled: true, schedule: written } });
      const cronJob = single(built, K8S.cronJob);
      assert.strictEqual(field(cronJob.inputs.spec, "schedule"), sent, `${cronJob.name}: spec.schedule`);
    });
  }

  it("runs the training job's pod and settings on every tick, retraining each time", async () => {
    const training = {
      parallelism: 1,
      completions: 2,
      backoffLimit: 1,
      activeDeadlineSeconds: 900,
      ttlSecondsAfterFinished: 120,
    };
    const built = await deploy({ training });
    const cronJob = single(built, K8S.cronJob);
    const jobSpec = field(cronJob.inputs.spec, "jobTemplate", "spec") as Json;
    assertJobSettings(jobSpec, training, `${cronJob.name}: job settings`);
    const pod = field(podTemplateOf({ kind: "CronJob", spec: cronJob.inputs.spec }), "spec") as Json;
    assert.deepStrictEqual(restrictedViolations(pod), [], `${cronJob.name}: pod breaks the restricted profile`);
    const [container] = pod.containers as Json[];
    const neutral = specWith().schedules[0].job.container;
    assert.deepStrictEqual(
      container.command,
      neutral.command,
      `${cronJob.name}: a scheduled retraining must train, not skip as a repeated run would`,
    );
    const runId = (container.env as Json[]).find((variable) => variable.name === RUN_ID_VARIABLE);
    assert.deepStrictEqual(
      runId?.valueFrom,
      { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } },
      `${cronJob.name}: the completions of one scheduled run must share a run id (its Job's name)`,
    );
  });
});
