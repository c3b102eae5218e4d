/**
 * Prefect's side of the cron parity (tests/support/cron-table.ts): inside a
 * running worker, Prefect's own CronSchedule (the one retraining deployments
 * are registered with on Docker and Swarm) must accept every schedule the
 * config accepts, as the platform sends it (normalised), fire it, and fire it
 * where cron says for the schedules whose next time is known. config/cron.ts's
 * side is a unit test.
 */
import { normaliseCron } from "../../config/cron";
import { ACCEPTED, KNOWN_NEXT, REFERENCE } from "../support/cron-table";
import { Checks, expect } from "./checks";

/** Runs `python3 -c program argument` in a worker of the platform; resolves to its output. */
export type WorkerPython = (program: string, argument: string) => Promise<string>;

interface PrefectVerdict {
  schedule: string;
  next?: string;
  error?: string;
}

/** Every schedule through the server's CronSchedule, whose get_dates the scheduler uses; one second after REFERENCE, since its start is inclusive. */
const PROGRAM = [
  "import asyncio, datetime as dt, json, sys",
  "from prefect.server.schemas.schedules import CronSchedule",
  `start = dt.datetime.fromisoformat(${JSON.stringify(REFERENCE)}) + dt.timedelta(seconds=1)`,
  "out = []",
  "for schedule in json.loads(sys.argv[1]):",
  "    try:",
  "        dates = asyncio.run(CronSchedule(cron=schedule, timezone='UTC').get_dates(n=1, start=start))",
  "        out.append({'schedule': schedule, 'next': dates[0].astimezone(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ') if dates else None})",
  "    except Exception as error:",
  "        out.append({'schedule': schedule, 'error': str(error).splitlines()[0][:200]})",
  "print(json.dumps(out))",
].join("\n");

export interface CronParityFigures {
  cronDisagreements: string[] | null;
}

export async function checkCronParity(python: WorkerPython, summary: CronParityFigures, checks: Checks): Promise<void> {
  await checks.check(
    `Prefect's cron accepts and fires each of the ${ACCEPTED.length} schedules the config accepts`,
    async () => {
      // What the platform registers: the normalised text (config/cron.ts).
      const output = await python(PROGRAM, JSON.stringify(ACCEPTED.map(normaliseCron)));
      const verdicts = JSON.parse(output.trim().split("\n").pop() ?? "[]") as PrefectVerdict[];
      const bySchedule = new Map(verdicts.map((verdict) => [verdict.schedule, verdict]));
      const disagreements = ACCEPTED.flatMap((schedule) => {
        const verdict = bySchedule.get(normaliseCron(schedule));
        if (!verdict?.next) return [`"${schedule}": ${verdict?.error ?? "never fires"}`];
        const known = KNOWN_NEXT[schedule];
        return known && verdict.next !== known ? [`"${schedule}" fires at ${verdict.next}, cron says ${known}`] : [];
      });
      summary.cronDisagreements = disagreements;
      expect(disagreements.length === 0, disagreements.join("; "));
      return `${ACCEPTED.length} accepted and fired; ${Object.keys(KNOWN_NEXT).length} at the time cron says`;
    },
  );
}
