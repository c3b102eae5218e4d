import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { completionCommand, SwarmJob, TASK_SLOT_VARIABLE, taskCount } from "../../../components/swarm/job";
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

  it("caps the tasks at parallelism when completions are more, with no warning", async () => {
    const [job] = specWith({ training: { completions: 4, parallelism: 2 } }).jobs;
    const warnings: string[] = [];
    const original = pulumi.log.warn;
    pulumi.log.warn = (message: string) => {
      warnings.push(message);
      return Promise.resolve();
    };
    try {
      const built = await build(() => new SwarmJob("training", { spec: job, context: testContext() }));
      assert.deepStrictEqual(ofKind(built, SERVICE)[0].inputs.mode, { replicated: { replicas: 2 } });
    } finally {
      pulumi.log.warn = original;
    }
    assert.deepStrictEqual(warnings, []);
  });

  describe("the completion script, run by /bin/sh as a task runs it", () => {
    /** Runs every task slot of the share at once; returns each slot's exit code and the indices it ran, in order. */
    function runSlots(share: { parallelism: number; completions: number }, failingIndex?: number) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "swarm-completions-"));
      const record = `echo "$JOB_COMPLETION_INDEX" >> "${dir}/slot-$SLOT"; [ "$JOB_COMPLETION_INDEX" != "${failingIndex ?? -1}" ] || exit 7`;
      const command = completionCommand(["/bin/sh", "-c", record], [dir], share, 5);
      try {
        return Array.from({ length: taskCount(share) }, (_, slot) => {
          const env = { PATH: process.env.PATH, [TASK_SLOT_VARIABLE]: String(slot + 1), SLOT: String(slot + 1) };
          const run = spawnSync(command[0], command.slice(1), { env, encoding: "utf8", timeout: 20000 });
          const file = path.join(dir, `slot-${slot + 1}`);
          const ran = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").map(Number) : [];
          return { status: run.status, ran };
        });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }

    it("runs every completion index exactly once, each task its share in order", () => {
      const slots = runSlots({ parallelism: 3, completions: 8 });
      assert.deepStrictEqual(
        slots.map((slot) => slot.ran),
        [
          [0, 3, 6],
          [1, 4, 7],
          [2, 5],
        ],
      );
      assert.deepStrictEqual(
        slots.map((slot) => slot.status),
        [0, 0, 0],
      );
    });

    it("runs one index per task when parallelism covers the completions", () => {
      const slots = runSlots({ parallelism: 3, completions: 3 });
      assert.deepStrictEqual(
        slots.map((slot) => slot.ran),
        [[0], [1], [2]],
      );
    });

    it("ends a task at its first failed completion with that exit code; other tasks go on", () => {
      const slots = runSlots({ parallelism: 2, completions: 6 }, 2);
      assert.deepStrictEqual(slots[0], { status: 7, ran: [0, 2] });
      assert.deepStrictEqual(slots[1], { status: 0, ran: [1, 3, 5] });
    });
  });

  it("waits for each writable path with a bounded loop before it execs the command", () => {
    const command = completionCommand(["python3", "train.py"], ["/models"], { parallelism: 1, completions: 1 }, 60);
    assert.deepStrictEqual(command.slice(0, 2), ["/bin/sh", "-c"]);
    assert.deepStrictEqual(command.slice(-2), ["python3", "train.py"]);
    assert.match(command[2], /-ge 60/);
  });
});
