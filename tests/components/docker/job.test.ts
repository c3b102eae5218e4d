import * as assert from "assert";
import { DockerJob, predecessorIndex, runId } from "../../../components/docker/job";
import { LOG_TAIL_LINES } from "../../../components/docker/run-result";
import { JobSpec } from "../../../platform/model";
import { promiseOf } from "../../support/mocks";
import {
  build,
  CONTAINER,
  dependencyNames,
  envsOf,
  ExitingMocks,
  registration,
  specWith,
  testContext,
} from "./harness";

function trainingJob(overrides: Record<string, unknown> = {}): JobSpec {
  return specWith({ training: overrides }).jobs[0];
}

function runsOf(built: { registrations: { type: string; name: string }[] }): string[] {
  return built.registrations
    .filter((entry) => entry.type === CONTAINER && /-run-\d+$/.test(entry.name))
    .map((entry) => entry.name);
}

describe("docker target: DockerJob", () => {
  it("starts `completions` runs, each attached to until it exits, with its log kept", async () => {
    const spec = trainingJob({ completions: 3, parallelism: 1 });
    const built = await build(() => new DockerJob("training", { spec, context: testContext() }));
    assert.deepStrictEqual(runsOf(built), ["training-run-0", "training-run-1", "training-run-2"]);
    for (const name of runsOf(built)) {
      const run = registration(built, CONTAINER, name);
      assert.deepStrictEqual(
        [run.inputs.attach, run.inputs.logs, run.inputs.mustRun, run.inputs.restart],
        [true, true, false, "no"],
        `${name} is not a run to completion (attach, logs, mustRun false, no Docker restarts)`,
      );
      assert.strictEqual(
        run.inputs.healthcheck,
        undefined,
        `${name} has a healthcheck, which a batch run has no use for`,
      );
    }
  });

  it("keeps at most `parallelism` runs going: run i waits for run i - parallelism", async () => {
    const spec = trainingJob({ completions: 5, parallelism: 2 });
    const built = await build(() => new DockerJob("training", { spec, context: testContext() }));
    for (let index = 0; index < 5; index++) {
      const run = registration(built, CONTAINER, `training-run-${index}`);
      const runsWaitedFor = (await dependencyNames(built, run)).filter((name) => /-run-\d+$/.test(name));
      const expected = index >= 2 ? [`training-run-${index - 2}`] : [];
      assert.deepStrictEqual(runsWaitedFor, expected, `${run.name} waits for the wrong runs`);
    }
    assert.strictEqual(predecessorIndex(4, 2), 2);
  });

  it("retries inside the container up to backoffLimit, within activeDeadlineSeconds", async () => {
    const spec = trainingJob({ backoffLimit: 4, activeDeadlineSeconds: 900 });
    const built = await build(() => new DockerJob("training", { spec, context: testContext() }));
    const run = registration(built, CONTAINER, "training-run-0");
    const command = run.inputs.command as string[];
    assert.match(command[2], /retries=4\b/, `${run.name}: backoffLimit 4 is not the retry count`);
    assert.match(command[2], /\+ 900 \)\)/, `${run.name}: the deadline is not activeDeadlineSeconds`);
    assert.deepStrictEqual(
      command.slice(4),
      [...(spec.container.command ?? []), ...(spec.container.args ?? [])],
      `${run.name}: the job's command must run as given`,
    );
    assert.strictEqual(
      run.opts.customTimeouts?.create,
      "1500s",
      `${run.name}: pulumi must wait past the deadline (900s plus start-up)`,
    );
  });

  it("tells each run its completion index and the run they all belong to, as Kubernetes does", async () => {
    const spec = trainingJob({ completions: 3, parallelism: 3 });
    const built = await build(() => new DockerJob("training", { spec, context: testContext() }));
    const envs = [0, 1, 2].map((index) => envsOf(registration(built, CONTAINER, `training-run-${index}`)));
    envs.forEach((entries, index) =>
      assert.ok(entries.includes(`JOB_COMPLETION_INDEX=${index}`), `training-run-${index}: ${entries.join(", ")}`),
    );
    const runIds = new Set(envs.map((entries) => entries.find((entry) => entry.startsWith("ML_PLATFORM_RUN_ID="))));
    assert.strictEqual(runIds.size, 1, `the runs disagree on their run id: ${[...runIds].join(", ")}`);
    assert.ok(![...runIds][0]?.endsWith("="), "the run id is empty");
  });

  it("starts a new run id when what the job does changes", () => {
    assert.notStrictEqual(
      runId(trainingJob({ epochs: 10 })),
      runId(trainingJob({ epochs: 20 })),
      "a changed command kept the run id",
    );
    assert.strictEqual(
      runId(trainingJob({ epochs: 10 })),
      runId(trainingJob({ epochs: 10 })),
      "an unchanged job got a new run id",
    );
  });

  it("mounts data read-only and models read-write, and joins the network without claiming a service name", async () => {
    const built = await build(() => new DockerJob("training", { spec: trainingJob(), context: testContext() }));
    const run = registration(built, CONTAINER, "training-run-0");
    const mounts = (run.inputs.mounts as { source: string; target: string; readOnly: boolean }[]).map((mount) => [
      mount.source,
      mount.readOnly,
    ]);
    assert.deepStrictEqual(
      mounts.filter(([source]) => String(source).startsWith("volume-")),
      [
        ["volume-data", true],
        ["volume-models", false],
      ],
      `${run.name}: volume mounts`,
    );
    assert.deepStrictEqual(
      run.inputs.networksAdvanced,
      [{ name: "test-network" }],
      `${run.name} should have no network alias`,
    );
  });

  it("asks for GPUs through a device request when the job has them", async () => {
    const built = await build(
      () =>
        new DockerJob("training", { spec: trainingJob({ gpu: { enabled: true, count: 2 } }), context: testContext() }),
    );
    const run = registration(built, CONTAINER, "training-run-0");
    assert.deepStrictEqual(
      run.inputs.deviceRequests,
      [{ driver: "nvidia", count: 2, capabilities: ["gpu"] }],
      `${run.name}: device requests`,
    );
  });

  it("succeeds with every run's exit code 0", async () => {
    const built = await build(
      () => new DockerJob("training", { spec: trainingJob({ completions: 2 }), context: testContext() }),
    );
    assert.deepStrictEqual(await promiseOf(built.result.succeeded), [0, 0]);
    assert.strictEqual((await promiseOf(built.result.ready)).length, 2, "dependents would not wait for both runs");
  });

  it("fails with the exit code and the tail of the log when a run exits non-zero", async () => {
    const lines = Array.from({ length: LOG_TAIL_LINES + 20 }, (_, index) => `epoch ${index}`);
    const logs = `${lines.join("\n")}\nTraceback (most recent call last):\nValueError: no training data in /data\n`;
    const built = await build(
      () => new DockerJob("training", { spec: trainingJob(), context: testContext() }),
      new ExitingMocks(1, logs, (name) => /-run-\d+$/.test(name)),
    );
    await assert.rejects(promiseOf(built.result.succeeded), (error: Error) => {
      assert.match(
        error.message,
        /training run 1 of 1 \(training-run-0\) failed with exit code 1/,
        "the failure does not name the run and its exit code",
      );
      assert.match(
        error.message,
        /ValueError: no training data in \/data/,
        "the failure does not show the end of the log",
      );
      assert.ok(!error.message.includes("epoch 0\n"), "the failure quotes the whole log instead of its tail");
      assert.match(error.message, /pulumi up --replace '/, "the failure does not say how to run it again");
      return true;
    });
    await assert.rejects(promiseOf(built.result.ready), /exit code 1/, "workloads after the job would still start");
  });
});
