/**
 * The retraining scheduler (components/docker/scheduler.py) run with the
 * machine's python3: its cron arithmetic, one run's retries, parallelism and
 * deadline, the run history, and the heartbeat check.
 */
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { schedulerScriptPath } from "../../../components/docker/scheduler-script";
import { requirePython } from "../../support/python";

/** What scheduler.py imports. */
const SCHEDULER_MODULES = [
  "argparse",
  "datetime",
  "fcntl",
  "json",
  "os",
  "shutil",
  "signal",
  "subprocess",
  "sys",
  "threading",
  "time",
];

function scheduler(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync("python3", [schedulerScriptPath(), ...args], { encoding: "utf8", timeout: 60000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function next(schedule: string, after: string, count = 3): string[] {
  const result = scheduler(["next", "--schedule", schedule, "--after", after, "--count", String(count)]);
  assert.strictEqual(result.status, 0, `next for "${schedule}" failed: ${result.stderr}`);
  return result.stdout.trim().split("\n");
}

describe("docker target: scheduler.py", function () {
  before(function () {
    requirePython(this, SCHEDULER_MODULES);
  });

  describe("cron schedule (UTC)", () => {
    it("fires a daily schedule at that minute each day, strictly after the given time", () => {
      // 05:00 is past today's 03:00, so the first run is tomorrow's.
      assert.deepStrictEqual(next("0 3 * * *", "2026-01-01T05:00:00Z"), [
        "2026-01-02T03:00:00Z",
        "2026-01-03T03:00:00Z",
        "2026-01-04T03:00:00Z",
      ]);
      assert.deepStrictEqual(
        next("0 3 * * *", "2026-01-01T03:00:00Z", 1),
        ["2026-01-02T03:00:00Z"],
        "a fire time equal to 'after' is not next",
      );
    });

    it("handles steps, ranges and lists", () => {
      assert.deepStrictEqual(next("*/20 9-10 * * *", "2026-03-01T09:30:00Z", 4), [
        "2026-03-01T09:40:00Z",
        "2026-03-01T10:00:00Z",
        "2026-03-01T10:20:00Z",
        "2026-03-01T10:40:00Z",
      ]);
      assert.deepStrictEqual(next("15 0 1,15 * *", "2026-03-02T00:00:00Z", 2), [
        "2026-03-15T00:15:00Z",
        "2026-04-01T00:15:00Z",
      ]);
    });

    it("fires on a day matching either day of month or day of week when both are restricted (cron's rule)", () => {
      // 2026-02-13 is a Friday: "13th or any Friday" gives Feb 6 (Fri), Feb 13 (both), Feb 20 (Fri), Feb 27 (Fri), Mar 6 (Fri), Mar 13.
      assert.deepStrictEqual(next("0 0 13 * fri", "2026-02-01T00:00:00Z", 6), [
        "2026-02-06T00:00:00Z",
        "2026-02-13T00:00:00Z",
        "2026-02-20T00:00:00Z",
        "2026-02-27T00:00:00Z",
        "2026-03-06T00:00:00Z",
        "2026-03-13T00:00:00Z",
      ]);
    });

    it("accepts the macros and month and weekday names, 0 meaning Sunday", () => {
      assert.deepStrictEqual(next("@hourly", "2026-01-01T10:59:00Z", 2), [
        "2026-01-01T11:00:00Z",
        "2026-01-01T12:00:00Z",
      ]);
      // 2026-01-04 is a Sunday.
      assert.deepStrictEqual(next("30 6 * jan 0", "2026-01-01T00:00:00Z", 2), [
        "2026-01-04T06:30:00Z",
        "2026-01-11T06:30:00Z",
      ]);
    });

    it("finds a leap day years ahead", () => {
      assert.deepStrictEqual(next("0 0 29 2 *", "2026-01-01T00:00:00Z", 1), ["2028-02-29T00:00:00Z"]);
    });

    it("rejects a malformed schedule with a message", () => {
      const result = scheduler(["next", "--schedule", "61 * * * *"]);
      assert.notStrictEqual(result.status, 0, "an out-of-range minute was accepted");
      assert.match(result.stderr, /outside 0-59/);
    });

    it("refuses 7 for Sunday, as Kubernetes' cron library does, so both targets run the same schedules", () => {
      const result = scheduler(["next", "--schedule", "30 6 * * 7"]);
      assert.notStrictEqual(result.status, 0, "day of week 7 was accepted");
      assert.match(result.stderr, /outside 0-6/);
    });
  });

  describe("one run (`once`)", () => {
    let stateDir: string;
    let work: string;

    beforeEach(() => {
      stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "scheduler-state-"));
      work = fs.mkdtempSync(path.join(os.tmpdir(), "scheduler-work-"));
    });

    /** A command that fails on its first `failures` starts (counted per completion slot in a shared file) and then succeeds. */
    function flakyCommand(failures: number): string[] {
      const counter = path.join(work, "starts");
      const script = `echo started >> ${counter}; n=$(wc -l < ${counter}); echo "copy output $n"; [ $n -gt ${failures} ] || exit 5`;
      return ["/bin/sh", "-c", script];
    }

    function once(extra: string[], command: string[]): { status: number | null; stdout: string; stderr: string } {
      return scheduler([
        "once",
        "--name",
        "retraining",
        "--state-dir",
        stateDir,
        "--retry-delay",
        "0",
        ...extra,
        "--",
        ...command,
      ]);
    }

    function history(): string[] {
      return fs.readdirSync(path.join(stateDir, "runs")).sort();
    }

    it("runs every completion, retrying failed copies, and logs start, exit code and duration", () => {
      const result = once(["--completions", "3", "--parallelism", "2", "--backoff-limit", "2"], flakyCommand(2));
      assert.strictEqual(
        result.status,
        0,
        `the run should succeed after the retries: ${result.stdout}${result.stderr}`,
      );
      const starts = fs.readFileSync(path.join(work, "starts"), "utf8").trim().split("\n").length;
      assert.strictEqual(starts, 5, "three completions plus two retries should make five starts");
      assert.match(result.stdout, /run \S+ started \(started by hand\)/, "the start is not logged");
      assert.match(
        result.stdout,
        /run \S+ succeeded with exit code 0 after \d+\.\d+s/,
        "the outcome, exit code and duration are not logged",
      );
      assert.match(
        result.stdout,
        /\[retraining \S+ #\d try \d\] copy output/,
        "the command's own output is not relayed with a prefix",
      );
      assert.strictEqual(history().length, 1, "the run is not in the history");
      assert.match(history()[0], /-succeeded$/);
    });

    it("tells each copy its completion index and the run they belong to", () => {
      const result = once(
        ["--completions", "2", "--parallelism", "2"],
        ["/bin/sh", "-c", 'echo "index=$JOB_COMPLETION_INDEX run=$ML_PLATFORM_RUN_ID"'],
      );
      assert.strictEqual(result.status, 0, result.stderr);
      const seen = [...result.stdout.matchAll(/index=(\d+) run=(\S+)/g)].map((match) => [match[1], match[2]]);
      assert.deepStrictEqual(seen.map(([index]) => index).sort(), ["0", "1"], `completion indexes: ${result.stdout}`);
      assert.strictEqual(new Set(seen.map(([, run]) => run)).size, 1, "the copies of one run disagree on its id");
    });

    it("fails with the command's exit code once a copy has no retries left", () => {
      const result = once(["--completions", "1", "--backoff-limit", "1"], flakyCommand(5));
      assert.strictEqual(result.status, 5, `expected the command's exit code 5: ${result.stdout}`);
      assert.match(result.stdout, /failed with exit code 5/);
      assert.match(history()[0], /-failed$/);
    });

    it("stops a run that overruns its deadline with exit code 124", () => {
      const result = once(["--deadline", "1"], ["sleep", "30"]);
      assert.strictEqual(result.status, 124, `an overrun run must exit 124: ${result.stdout}`);
      assert.match(result.stdout, /deadline of 1s exceeded/);
    });

    it("never starts a second run while one is going (concurrency forbid)", async () => {
      const marker = path.join(work, "first-started");
      const first = spawn("python3", [
        schedulerScriptPath(),
        "once",
        "--state-dir",
        stateDir,
        "--",
        "/bin/sh",
        "-c",
        `touch ${marker}; sleep 5`,
      ]);
      const firstExit = new Promise<number | null>((resolve) => first.on("exit", resolve));
      while (!fs.existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 50));
      const second = once([], ["true"]);
      first.kill("SIGTERM");
      await firstExit;
      assert.strictEqual(second.status, 75, `a second run started beside the first: ${second.stdout}${second.stderr}`);
      assert.match(second.stderr, /another run is still going/);
    });

    it("keeps only the newest runs the history limits allow", () => {
      for (let index = 0; index < 3; index++) {
        const result = once(["--keep-succeeded", "1", "--keep-failed", "1"], ["true"]);
        assert.strictEqual(result.status, 0, `run ${index} failed: ${result.stderr}`);
      }
      assert.deepStrictEqual(
        history().map((entry) => entry.replace(/^\S+?-/, "")),
        ["succeeded"],
        "more successful runs are kept than --keep-succeeded 1",
      );
    });
  });

  describe("heartbeat check", () => {
    it("is healthy while the heartbeat is fresh and unhealthy once it is old or missing", () => {
      const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "scheduler-heartbeat-"));
      assert.strictEqual(
        scheduler(["check", "--state-dir", stateDir]).status,
        1,
        "no heartbeat at all was reported healthy",
      );
      const heartbeat = path.join(stateDir, "heartbeat");
      fs.writeFileSync(heartbeat, "now");
      assert.strictEqual(
        scheduler(["check", "--state-dir", stateDir, "--max-age", "60"]).status,
        0,
        "a fresh heartbeat was reported unhealthy",
      );
      const old = Date.now() / 1000 - 600;
      fs.utimesSync(heartbeat, old, old);
      assert.strictEqual(
        scheduler(["check", "--state-dir", stateDir, "--max-age", "60"]).status,
        1,
        "a ten-minute-old heartbeat was reported healthy",
      );
    });
  });
});
