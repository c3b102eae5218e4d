import * as assert from "assert";
import * as fs from "fs";
import {
  describeSchedule,
  DockerScheduledJob,
  jobCommand,
  SCHEDULER_PATH,
  SCHEDULER_STATE_DIRECTORY,
} from "../../../components/docker/scheduled-job";
import { schedulerScriptPath } from "../../../components/docker/scheduler-script";
import { ScheduledJobSpec } from "../../../platform/model";
import { build, CONTAINER, dependencyNames, registration, specWith, testContext } from "./harness";
import { cpuLimitMillis } from "../../../components/docker/container";

function retraining(overrides: Record<string, unknown> = {}): ScheduledJobSpec {
  const schedule = specWith(overrides).schedules[0];
  if (!schedule) throw new Error("the spec has no scheduled job");
  return schedule;
}

function argument(command: string[], flag: string): string | undefined {
  const index = command.indexOf(flag);
  return index < 0 ? undefined : command[index + 1];
}

describe("docker target: DockerScheduledJob", () => {
  it("runs a long-running scheduler in the job's own image that starts the job's command on the schedule", async () => {
    const spec = retraining({ retraining: { schedule: "30 2 * * 1-5", startingDeadlineSeconds: 120 } });
    const built = await build(() => new DockerScheduledJob("retraining", { spec, context: testContext() }));
    const scheduler = registration(built, CONTAINER, "retraining-scheduler");
    const command = scheduler.inputs.command as string[];
    assert.deepStrictEqual(
      command.slice(0, 3),
      ["python3", SCHEDULER_PATH, "run"],
      `${scheduler.name} does not run the scheduler`,
    );
    assert.strictEqual(argument(command, "--schedule"), "30 2 * * 1-5", `${scheduler.name}: schedule`);
    assert.strictEqual(argument(command, "--starting-deadline"), "120", `${scheduler.name}: starting deadline`);
    assert.deepStrictEqual(
      command.slice(command.indexOf("--") + 1),
      jobCommand(spec),
      `${scheduler.name} does not start the job's command as given`,
    );
    assert.strictEqual(
      scheduler.inputs.image,
      `sha256:id-of-${spec.job.container.image}`,
      `${scheduler.name} does not run the job's image`,
    );
  });

  it("passes the job's completions, parallelism, retries, deadline and history limits to the scheduler", async () => {
    const spec = retraining({
      training: { completions: 4, parallelism: 2, backoffLimit: 3, activeDeadlineSeconds: 900 },
      retraining: { successfulJobsHistoryLimit: 5, failedJobsHistoryLimit: 2 },
    });
    const built = await build(() => new DockerScheduledJob("retraining", { spec, context: testContext() }));
    const command = registration(built, CONTAINER, "retraining-scheduler").inputs.command as string[];
    assert.deepStrictEqual(
      ["--completions", "--parallelism", "--backoff-limit", "--deadline", "--keep-succeeded", "--keep-failed"].map(
        (flag) => argument(command, flag),
      ),
      ["4", "2", "3", "900", "5", "2"],
    );
  });

  it("sizes the container for `parallelism` runs at once", async () => {
    const spec = retraining({
      training: { parallelism: 2, completions: 2, resources: { limits: { cpu: "1", memory: "1Gi" } } },
    });
    const built = await build(() => new DockerScheduledJob("retraining", { spec, context: testContext() }));
    const scheduler = registration(built, CONTAINER, "retraining-scheduler");
    assert.ok(
      (scheduler.inputs.memory as number) >= 2048,
      `${scheduler.name}: ${scheduler.inputs.memory} MiB cannot hold two 1Gi runs`,
    );
    assert.ok(
      cpuLimitMillis(scheduler.inputs) >= 2000,
      `${scheduler.name}: ${cpuLimitMillis(scheduler.inputs)} millicores cannot hold two 1-CPU runs`,
    );
  });

  it("is healthy only while its heartbeat is fresh, and is waited for and restarted like any service", async () => {
    const built = await build(
      () => new DockerScheduledJob("retraining", { spec: retraining(), context: testContext() }),
    );
    const scheduler = registration(built, CONTAINER, "retraining-scheduler");
    const tests = (scheduler.inputs.healthcheck as { tests: string[] }).tests;
    assert.deepStrictEqual(
      tests.slice(0, 4),
      ["CMD", "python3", SCHEDULER_PATH, "check"],
      `${scheduler.name}: healthcheck`,
    );
    assert.strictEqual(scheduler.inputs.wait, true, `${scheduler.name}: wait`);
    assert.strictEqual(scheduler.inputs.restart, "unless-stopped", `${scheduler.name}: restart`);
    assert.ok(
      Object.keys(scheduler.inputs.tmpfs as Record<string, string>).includes(SCHEDULER_STATE_DIRECTORY),
      `${scheduler.name}: its state directory is not writable`,
    );
    assert.strictEqual(scheduler.inputs.readOnly, true, `${scheduler.name}: root filesystem is writable`);
    assert.strictEqual(
      scheduler.opts.deleteBeforeReplace,
      true,
      `${scheduler.name}: two schedulers could overlap during a replacement`,
    );
  });

  it("delivers scheduler.py and the job's own code, and waits for them", async () => {
    const built = await build(
      () => new DockerScheduledJob("retraining", { spec: retraining(), context: testContext() }),
    );
    const seeder = registration(built, CONTAINER, "retraining-files-seed");
    const uploads = seeder.inputs.uploads as { content: string }[];
    assert.ok(
      uploads.some((upload) => upload.content === fs.readFileSync(schedulerScriptPath(), "utf8")),
      `${seeder.name} does not deliver scheduler.py`,
    );
    const scheduler = registration(built, CONTAINER, "retraining-scheduler");
    assert.ok(
      (await dependencyNames(built, scheduler)).includes("retraining-files-seed"),
      `${scheduler.name} would start before its files exist`,
    );
  });

  it("says in one sentence what runs, in which image, on which schedule, in UTC", () => {
    const spec = retraining({ retraining: { schedule: "0 4 * * 0" } });
    const sentence = describeSchedule(spec, "ml-platform-dev");
    assert.ok(sentence.includes(jobCommand(spec).join(" ")), `the sentence does not give the command: ${sentence}`);
    assert.ok(sentence.includes('"0 4 * * 0" (UTC)'), `the sentence does not give the schedule in UTC: ${sentence}`);
    assert.ok(sentence.includes(spec.job.container.image), `the sentence does not give the image: ${sentence}`);
    assert.match(
      sentence,
      /never while the previous run is still going/,
      "the sentence does not say runs never overlap",
    );
  });
});
