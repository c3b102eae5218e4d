import * as assert from "assert";
import { BatchJob, runIdentity } from "../../../components/kubernetes/batch-job";
import { MARKER_DIRECTORY_VARIABLE, runOnce } from "../../../components/kubernetes/run-once";
import { RUN_ID_VARIABLE } from "../../../platform/model";
import { JobSpec } from "../../../platform/model";
import { build, K8S, single, specWith, testPlacement } from "./harness";
import { assertJobSettings } from "./job-settings";
import { restrictedViolations } from "./pod-rules";
import { field } from "../../support/field";

type Json = Record<string, unknown>;

function trainingWith(overrides: Record<string, unknown> = {}): JobSpec {
  return specWith(overrides).jobs[0];
}

const placement = testPlacement();

async function deploy(overrides: Record<string, unknown> = {}) {
  const spec = specWith(overrides);
  return build(
    () =>
      new BatchJob("training", {
        job: spec.jobs[0],
        instance: spec.instance,
        placement: testPlacement({ spec }),
        namespace: "ml-platform",
      }),
  );
}

describe("kubernetes target: BatchJob", () => {
  for (const training of [
    { parallelism: 2, completions: 4, backoffLimit: 2, activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 86400 },
    { parallelism: 1, completions: 1, backoffLimit: 0, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 60 },
  ]) {
    it(`is a batch/v1 Job with the job's settings (${training.completions} completions, ${training.activeDeadlineSeconds}s deadline)`, async () => {
      const built = await deploy({ training });
      const job = single(built, K8S.job);
      const spec = job.inputs.spec as Json;
      assertJobSettings(
        spec,
        training,
        `${job.name}: parallelism, completions, backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished`,
      );
      assert.strictEqual(
        spec.completionMode,
        "Indexed",
        `${job.name}: each completion must be one index, so a retry can skip the done ones`,
      );
      assert.strictEqual(
        field(spec, "template", "spec", "restartPolicy"),
        "Never",
        `${job.name}: failed pods must stay for their logs`,
      );
      assert.deepStrictEqual(
        restrictedViolations(field(spec, "template", "spec")),
        [],
        `${job.name}: pod breaks the restricted profile`,
      );
      // pulumi up waits for the Job: long enough for the whole deadline, not the provider's 10 minutes.
      const minutes = Number(/^(\d+)m$/.exec(String(job.opts.customTimeouts?.create))?.[1]);
      assert.ok(
        minutes * 60 > training.activeDeadlineSeconds,
        `${job.name}: pulumi would stop waiting (${job.opts.customTimeouts?.create}) before the Job's deadline`,
      );
      assert.strictEqual(
        job.opts.customTimeouts?.update,
        job.opts.customTimeouts?.create,
        `${job.name}: update waits differently from create`,
      );
    });
  }

  it("asks the next `pulumi up` to replace a failed Job", async () => {
    const job = single(await deploy(), K8S.job);
    assert.strictEqual(
      field(job.inputs.metadata, "annotations", "pulumi.com/replaceUnready"),
      "true",
      `${job.name}: a failed run would never be retried`,
    );
  });

  it("names the Job after what it runs, so a change starts a new run and none is edited in place", () => {
    const base = runIdentity(trainingWith(), placement);
    assert.deepStrictEqual(runIdentity(trainingWith(), placement), base, "the same job must keep its name");
    assert.match(base.jobName, /^training-[0-9a-f]{10}$/, "the name is not training-<hash>");
    for (const [change, overrides] of [
      ["a new image", { images: { training: "python:3.12.12-slim-bookworm" } }],
      ["a new epoch count", { training: { epochs: 7 } }],
      ["more completions", { training: { completions: 2 } }],
      ["other resources", { training: { resources: { limits: { memory: "4Gi" } } } }],
      ["a shorter TTL", { training: { ttlSecondsAfterFinished: 60 } }],
    ] as const) {
      assert.notStrictEqual(
        runIdentity(trainingWith(overrides), placement).jobName,
        base.jobName,
        `${change} kept the Job's name`,
      );
    }
    const changedCode = trainingWith();
    changedCode.container.bundles = [{ ...changedCode.container.bundles[0], files: { "train.py": "print('v2')\n" } }];
    assert.notStrictEqual(
      runIdentity(changedCode, placement).runId,
      base.runId,
      "changed training code kept the run id",
    );
  });

  it("keeps the run id when only how the Job is run changes, so the new Job skips finished work", () => {
    const base = runIdentity(trainingWith(), placement);
    for (const overrides of [
      { training: { ttlSecondsAfterFinished: 60 } },
      { training: { activeDeadlineSeconds: 100 } },
      { training: { backoffLimit: 5 } },
    ]) {
      assert.strictEqual(
        runIdentity(trainingWith(overrides), placement).runId,
        base.runId,
        `${JSON.stringify(overrides)} changed the run id`,
      );
    }
    assert.notStrictEqual(
      runIdentity(trainingWith({ training: { epochs: 7 } }), placement).runId,
      base.runId,
      "a different epoch count is a different run",
    );
  });

  it("wraps the command in the run-once guard, keeping markers on the writable models volume", async () => {
    const built = await deploy();
    const job = single(built, K8S.job);
    const [container] = field(job.inputs.spec, "template", "spec", "containers") as Json[];
    const training = trainingWith().container;
    assert.deepStrictEqual(
      (container.command as string[]).slice(0, 2),
      ["/bin/sh", "-c"],
      `${job.name}: the command is not the guard`,
    );
    assert.deepStrictEqual(
      container.args,
      [...(training.command ?? []), ...(training.args ?? [])],
      `${job.name}: the guard does not run the job's own command`,
    );
    const env = Object.fromEntries((container.env as Json[]).map((variable) => [variable.name, variable.value]));
    const runId = field(job.inputs.metadata, "annotations", "ml-platform/run-id");
    assert.strictEqual(env[RUN_ID_VARIABLE], runId, `${job.name}: the guard's run id is not the Job's`);
    assert.strictEqual(
      env[MARKER_DIRECTORY_VARIABLE],
      `/models/.ml-platform/runs/training/${String(runId)}`,
      `${job.name}: markers are not on the models volume`,
    );
  });

  it("leaves a job alone when there is nowhere to keep markers", () => {
    const training = trainingWith().container;
    const readOnly = { ...training, mounts: training.mounts.map((mount) => ({ ...mount, readOnly: true })) };
    assert.strictEqual(runOnce(readOnly, "training", "run"), undefined, "a job without a writable volume was wrapped");
    assert.strictEqual(
      runOnce({ ...training, command: undefined }, "training", "run"),
      undefined,
      "a job that relies on its image's entrypoint was wrapped",
    );
  });

  it("still tells an unguarded job its run id", async () => {
    const spec = specWith();
    const [training] = spec.jobs;
    const mounts = training.container.mounts.map((mount) => ({ ...mount, readOnly: true }));
    const job = { ...training, container: { ...training.container, mounts } };
    const built = await build(
      () =>
        new BatchJob("training", {
          job,
          instance: spec.instance,
          placement: testPlacement({ spec }),
          namespace: "ml-platform",
        }),
    );
    const created = single(built, K8S.job);
    const [container] = field(created.inputs.spec, "template", "spec", "containers") as Json[];
    assert.deepStrictEqual(
      container.command,
      training.container.command,
      `${created.name}: a job without markers must run as given`,
    );
    const runId = (container.env as Json[]).find((variable) => variable.name === RUN_ID_VARIABLE);
    assert.strictEqual(
      runId?.value,
      field(created.inputs.metadata, "annotations", "ml-platform/run-id"),
      `${created.name}: no run id for the trainer`,
    );
  });

  it("runs on GPUs when the config enables them", async () => {
    const built = await deploy({ training: { gpu: { enabled: true, count: 1 } }, kubernetes: { gpuSupport: true } });
    const pod = field(single(built, K8S.job).inputs.spec, "template", "spec") as Json;
    const [container] = pod.containers as Json[];
    assert.strictEqual(
      field(container, "resources", "limits", "nvidia.com/gpu"),
      "1",
      "the training pod does not ask for a GPU",
    );
    assert.strictEqual(pod.runtimeClassName, "nvidia", "the training pod does not use the GPU runtime class");
  });
});
