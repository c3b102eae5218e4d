/** Two stacks' facts side by side, workload by workload, and how to show them. */
import { WorkloadFacts } from "./facts";

export interface ComparedFact {
  property: string;
  /** undefined where one stack has no such fact (e.g. a GPU row). */
  a?: string;
  b?: string;
  differs: boolean;
}

export interface WorkloadComparison {
  workload: string;
  facts: ComparedFact[];
}

export interface StackComparison {
  a: string;
  b: string;
  workloads: WorkloadComparison[];
}

export function compareFacts(a: string, factsA: WorkloadFacts[], b: string, factsB: WorkloadFacts[]): StackComparison {
  const workloads = [...new Set([...factsA, ...factsB].map((entry) => entry.workload))];
  return {
    a,
    b,
    workloads: workloads.map((workload) => {
      const left = new Map(
        (factsA.find((entry) => entry.workload === workload)?.facts ?? []).map((f) => [f.property, f.value]),
      );
      const right = new Map(
        (factsB.find((entry) => entry.workload === workload)?.facts ?? []).map((f) => [f.property, f.value]),
      );
      const properties = [...new Set([...left.keys(), ...right.keys()])];
      return {
        workload,
        facts: properties.map((property) => ({
          property,
          a: left.get(property),
          b: right.get(property),
          differs: left.get(property) !== right.get(property),
        })),
      };
    }),
  };
}

function shown(facts: ComparedFact[], all: boolean): ComparedFact[] {
  return all ? facts : facts.filter((fact) => fact.differs);
}

/** Aligned columns; only differing rows unless `all`. */
export function comparisonText(comparison: StackComparison, all = false): string {
  const rows = comparison.workloads.flatMap((workload) => shown(workload.facts, all));
  const width = (values: string[]) => Math.max(...values.map((value) => value.length));
  const propertyWidth = width(["", ...rows.map((row) => row.property)]) + 2;
  const aWidth = width([comparison.a, ...rows.map((row) => row.a ?? "—")]) + 2;
  const lines = [`${"".padEnd(propertyWidth + 2)}${comparison.a.padEnd(aWidth)}${comparison.b}`];
  for (const workload of comparison.workloads) {
    const facts = shown(workload.facts, all);
    if (facts.length === 0) {
      lines.push(`${workload.workload}: same`);
      continue;
    }
    lines.push(`${workload.workload}:`);
    for (const fact of facts) {
      const mark = fact.differs ? "≠ " : "  ";
      lines.push(`${mark}${fact.property.padEnd(propertyWidth)}${(fact.a ?? "—").padEnd(aWidth)}${fact.b ?? "—"}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function cell(value: string | undefined): string {
  return value === undefined ? "—" : `\`${value.replace(/\|/g, "\\|")}\``;
}

export function comparisonMarkdown(comparison: StackComparison, all = false): string {
  const lines = [`## \`${comparison.a}\` compared with \`${comparison.b}\``, ""];
  for (const workload of comparison.workloads) {
    const facts = shown(workload.facts, all);
    if (facts.length === 0) {
      lines.push(`**${workload.workload}**: same`, "");
      continue;
    }
    lines.push(`**${workload.workload}**`, "", `| | ${comparison.a} | ${comparison.b} |`, "|---|---|---|");
    for (const fact of facts) lines.push(`| ${fact.property} | ${cell(fact.a)} | ${cell(fact.b)} |`);
    lines.push("");
  }
  return lines.join("\n");
}
