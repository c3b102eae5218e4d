/**
 * Validation of the five-field cron expressions that Kubernetes CronJobs and
 * the Docker target's scheduler both accept, and the one form both are sent
 * (normaliseCron): Kubernetes' parser takes a macro only at the very start of
 * the text, so " @daily" would pass a trimming check and fail at deploy.
 */

const FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  // 0-6 as in the cron library Kubernetes validates CronJobs with (robfig/cron v3): it refuses 7 for Sunday.
  { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

export const CRON_RULE =
  'a five-field cron expression ("minute hour day-of-month month day-of-week", e.g. "0 3 * * *") or a macro such as @daily';

function parseValue(text: string, field: (typeof FIELDS)[number]): number | undefined {
  const byName = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (byName >= 0) return byName + (field.name === "month" ? 1 : 0);
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function fieldProblem(text: string, field: (typeof FIELDS)[number]): string | undefined {
  for (const part of text.split(",")) {
    const [range, step, extra] = part.split("/");
    if (extra !== undefined || range === "") return `${field.name} "${text}" is malformed`;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) === 0)) {
      return `${field.name} step "${step}" must be a positive whole number`;
    }
    if (range === "*") continue;
    const bounds = range.split("-");
    if (bounds.length > 2) return `${field.name} range "${range}" is malformed`;
    const values = bounds.map((bound) => parseValue(bound, field));
    if (values.some((value) => value === undefined)) {
      return `${field.name} "${range}" is outside ${field.min}-${field.max}`;
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) {
      return `${field.name} range "${range}" runs backwards`;
    }
  }
  return undefined;
}

/** The values a valid field allows ("5/15" runs from 5 to the field's end, as in Kubernetes' cron library). */
function fieldValues(text: string, field: (typeof FIELDS)[number]): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range, step] = part.split("/");
    const [first, last] =
      range === "*"
        ? [field.min, field.max]
        : range.includes("-")
          ? (range.split("-").map((bound) => parseValue(bound, field)) as [number, number])
          : [parseValue(range, field) as number, step === undefined ? (parseValue(range, field) as number) : field.max];
    for (let value = first; value <= last; value += step === undefined ? 1 : Number(step)) values.add(value);
  }
  return values;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A schedule whose days of month exist in none of its months (the 30th of
 * February) is refused, whatever its day of week. Without one it never fires:
 * Kubernetes would keep a CronJob that never runs. With one the targets
 * disagree: Kubernetes' cron runs it on those weekdays, while Prefect's cron,
 * which schedules retraining on Docker and Swarm, finds no date and never
 * runs it (measured by the real-runtime suite's cron parity check).
 */
function neverFires(parts: string[]): boolean {
  const days = fieldValues(parts[2], FIELDS[2]);
  return ![...fieldValues(parts[3], FIELDS[3])].some((month) =>
    [...days].some((day) => day <= DAYS_IN_MONTH[month - 1]),
  );
}

/** Why an expression is not a valid schedule, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const trimmed = expression.trim();
  if (MACROS.has(trimmed)) return undefined;
  const parts = trimmed.split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `has ${parts.length} field(s); expected ${CRON_RULE}`;
  }
  for (let index = 0; index < FIELDS.length; index++) {
    const problem = fieldProblem(parts[index], FIELDS[index]);
    if (problem) return `${problem}; expected ${CRON_RULE}`;
  }
  if (neverFires(parts))
    return `no month of "${parts[3]}" has a day "${parts[2]}": the schedule never fires on Docker and Swarm (Prefect's cron), and at most on its weekdays on Kubernetes`;
  return undefined;
}

/** The form every target receives: no surrounding space, fields separated by one space. */
export function normaliseCron(expression: string): string {
  return expression.trim().split(/\s+/).join(" ");
}
