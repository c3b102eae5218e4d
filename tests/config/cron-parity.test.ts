/**
 * Two implementations read retraining.schedule: config/cron.ts decides which
 * schedules a stack may have (and Kubernetes' CronJob runs them on prod), and
 * the Docker target's scheduler.py runs them on dev. Over one table of
 * schedules, every one the config accepts must be one the scheduler parses and
 * fires, and every one the config refuses must be one the scheduler refuses.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";
import { schedulerScriptPath } from "../../components/docker/scheduler-script";
import { cronProblem, normaliseCron } from "../../config/cron";
import { requirePython } from "../support/python";

const ACCEPTED = [
  "0 3 * * *",
  "*/15 * * * *",
  "5/15 * * * *",
  "1-5/2 * * * *",
  "0,30 * * * *",
  "0 9-17 * * 1-5",
  "0 0 * * 0",
  "0 0 * * sun",
  "0 0 * * MON-FRI",
  "0 0 1 jan *",
  "0 0 1 JAN-mar *",
  "0 0 1 */3 *",
  "30 2 13 * fri",
  "0 0 29 2 *",
  "0 0 31 * *",
  "0 0 30 2 fri",
  "59 23 31 12 *",
  " 0 3 * * * ",
  " @daily",
  "0\t3  * * *",
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
];

const REFUSED = [
  "",
  "0 3 * *",
  "0 3 * * * *",
  "60 * * * *",
  "* 24 * * *",
  "* * 0 * *",
  "* * 32 * *",
  "* * * 0 *",
  "* * * 13 *",
  "* * * * 8",
  // Kubernetes' cron library (robfig/cron v3) takes days of week 0-6 only.
  "0 0 * * 7",
  "0 0 * * 5-7",
  "*/0 * * * *",
  "5-1 * * * *",
  "1-2-3 * * * *",
  "1/2/3 * * * *",
  ",5 * * * *",
  "a * * * *",
  "* * * foo *",
  "* * * * funday",
  "@reboot",
  "@every 5m",
  "0 0 30 2 *",
  "0 0 31 4,6,9,11 *",
];

interface Verdict {
  schedule: string;
  /** The first fire time after the reference time, when the scheduler accepts the schedule. */
  next?: string;
  error?: string;
}

const REFERENCE = "2026-01-01T00:00:00+00:00";

/** Every schedule through scheduler.py's own CronSchedule, in one python3 process. */
function schedulerVerdicts(schedules: string[]): Verdict[] {
  const program = [
    "import datetime as dt, json, sys",
    "sys.path.insert(0, sys.argv[1])",
    "from scheduler import CronSchedule",
    "out = []",
    "for schedule in json.load(sys.stdin):",
    "    try:",
    "        moment = CronSchedule(schedule).next_after(dt.datetime.fromisoformat(sys.argv[2]))",
    "        out.append({'schedule': schedule, 'next': moment.strftime('%Y-%m-%dT%H:%M:%SZ')})",
    "    except ValueError as error:",
    "        out.append({'schedule': schedule, 'error': str(error)})",
    "print(json.dumps(out))",
  ].join("\n");
  const child = spawnSync("python3", ["-c", program, path.dirname(schedulerScriptPath()), REFERENCE], {
    input: JSON.stringify(schedules),
    encoding: "utf8",
    timeout: 60000,
  });
  assert.strictEqual(child.status, 0, `python3 failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as Verdict[];
}

describe("retraining schedules: config/cron.ts and the dev scheduler agree", function () {
  let verdicts: Map<string, Verdict>;

  before(function () {
    requirePython(this, ["datetime", "json", "fcntl", "argparse", "subprocess", "threading"]);
    verdicts = new Map(schedulerVerdicts([...ACCEPTED, ...REFUSED]).map((verdict) => [verdict.schedule, verdict]));
  });

  for (const schedule of ACCEPTED) {
    it(`both accept "${schedule}", and the scheduler fires it`, () => {
      assert.strictEqual(cronProblem(schedule), undefined, `config/cron.ts refuses "${schedule}"`);
      const verdict = verdicts.get(schedule);
      assert.ok(verdict?.next, `scheduler.py refuses "${schedule}": ${verdict?.error}`);
      assert.ok(verdict.next > "2026-01-01T00:00:00Z", `"${schedule}" fires at ${verdict.next}`);
    });
  }

  for (const schedule of REFUSED) {
    it(`both refuse "${schedule}"`, () => {
      assert.ok(cronProblem(schedule), `config/cron.ts accepts "${schedule}"`);
      const verdict = verdicts.get(schedule);
      assert.ok(verdict?.error, `scheduler.py accepts "${schedule}" (next: ${verdict?.next})`);
    });
  }

  it("send every target the normalised text, which both accept and which Kubernetes' parser reads as written", () => {
    for (const schedule of ACCEPTED) {
      const sent = normaliseCron(schedule);
      assert.strictEqual(cronProblem(sent), undefined, `config/cron.ts refuses "${sent}" (from "${schedule}")`);
      // robfig/cron takes a macro only at the start of the text, and fields split on spaces.
      assert.match(sent, /^(@[a-z]+|\S+( \S+){4})$/, `"${schedule}" is sent as "${sent}"`);
      assert.ok(verdicts.get(schedule)?.next, `scheduler.py refuses "${schedule}"`);
    }
    assert.strictEqual(normaliseCron(" @daily"), "@daily");
  });

  it("fire where cron says, for a few schedules whose next time is known", () => {
    const expected: Record<string, string> = {
      "0 3 * * *": "2026-01-01T03:00:00Z",
      "0 0 29 2 *": "2028-02-29T00:00:00Z",
      "30 2 13 * fri": "2026-01-02T02:30:00Z",
      "0 0 * * 0": "2026-01-04T00:00:00Z",
      "@monthly": "2026-02-01T00:00:00Z",
    };
    for (const [schedule, next] of Object.entries(expected))
      assert.strictEqual(verdicts.get(schedule)?.next, next, `"${schedule}" after ${REFERENCE}`);
  });
});
