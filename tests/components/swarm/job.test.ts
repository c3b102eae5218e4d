import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { completionCommand, SwarmJob, TASK_SLOT_VARIABLE } from "../../../components/swarm/job";
import { build, ofKind, SERVICE, specWith, taskOf, testContext } from "./harness";

describe("swarm target: SwarmJob", () => {
  it("runs one task per completion that Swarm never restarts, with the run id and the task's slot", async () => {
    const [job] = specWith({ training: { completions: 3, parallelism: 3, backoffLimit: 2 } }).jobs;
    const built = await build(() => new SwarmJob("training", { spec: job, context: testContext() }));
    const [service] = ofKind(built, SERVICE);
    assert.deepStrictEqual(service.inputs.mode, { replicated: { replicas: 3 } });
    const task = taskOf(service);
    assert.deepStrictEqual(task.restartPolicy, { condition: "none" });
    assert.strictEqual(task.containerSpec.env?.[TASK_SLOT_VARIABLE], "{{.Task.Slot}}");
    assert.match(task.containerSpec.env?.ML_PLATFORM_RUN_ID ?? "", /^[0-9a-f]{12}$/);
    const script = task.containerSpec.args?.join("\n") ?? "";
    assert.match(script, /JOB_COMPLETION_INDEX=\$\(\(ML_PLATFORM_TASK_SLOT - 1\)\)/);
    assert.match(script, /retries=2/, "the retries happen inside the task");
    assert.match(script, /until \[ -w \/models \]/, "the run does not wait for its writable volume");
  });

  it("says a parallelism below completions is not applied", async () => {
    const [job] = specWith({ training: { completions: 4, parallelism: 2 } }).jobs;
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
      warnings.push(message);
      return Promise.resolve();
    };
    try {
      await build(() => new SwarmJob("training", { spec: job, context: testContext() }));
    } finally {
      pulumi.log.warn = original;
    }
    assert.ok(
      warnings.some((message) => /parallelism 2 is not applied on Swarm/.test(message)),
      `no warning among: ${warnings.join(" | ")}`,
    );
  });

  it("waits for each writable path with a bounded loop before it execs the command", () => {
    const command = completionCommand(["python3", "train.py"], ["/models"], 60);
    assert.deepStrictEqual(command.slice(0, 2), ["/bin/sh", "-c"]);
    assert.deepStrictEqual(command.slice(-2), ["python3", "train.py"]);
    assert.match(command[2], /-ge 60/);
  });
});
