/**
 * Validation of the five-field cron expressions that Kubernetes CronJobs and
 * the Docker target's scheduler both accept.
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
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
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
  return undefined;
}
