/**
 * Every container is held to a memory and a CPU ceiling, so one runaway
 * workload cannot starve the database or the rest of the node.
 */
import { parseCpuMillis, parseMemoryBytes } from "../../config/quantities";
import { ContainerView, Limit } from "../../components/resource-views";
import { TARGET_VIEWS } from "../../components/target-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { isUnknown, recordAt } from "./values";

function quantityProblem(value: unknown, parse: (text: string) => number | undefined): string | undefined {
  if (value === undefined || value === null || value === "") return "no";
  if (isUnknown(value)) return undefined;
  const parsed = parse(String(value));
  if (parsed === undefined) return `an unreadable (${JSON.stringify(value)})`;
  return parsed > 0 ? undefined : "a zero";
}

function podViolations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  // Ephemeral debug containers do not run for the pod's lifetime and take no resources.
  const running = template.containers.filter((container) => container.list !== "ephemeralContainers");
  return running.flatMap((container) => {
    const limits = recordAt(container.spec, "resources", "limits");
    const problems: string[] = [];
    const memory = quantityProblem(limits.memory, parseMemoryBytes);
    if (memory) problems.push(`${container.label} has ${memory} memory limit (resources.limits.memory)`);
    const cpu = quantityProblem(limits.cpu, parseCpuMillis);
    if (cpu) problems.push(`${container.label} has ${cpu} CPU limit (resources.limits.cpu)`);
    return problems;
  });
}

function limitProblem(container: ContainerView, limit: Limit, what: string): string[] {
  if (limit.state !== "missing") return [];
  const note = limit.note ? `; ${limit.note}` : "";
  return [`container "${container.name}" has no ${what} limit (${limit.field})${note}`];
}

function containerViolations(subject: PolicySubject): string[] {
  const container = TARGET_VIEWS.container(subject);
  if (!container) return [];
  return [
    ...limitProblem(container, container.memoryLimit, "memory"),
    ...limitProblem(container, container.cpuLimit, "CPU"),
  ];
}

export const containerResourceLimits: Rule = {
  name: "container-resource-limits",
  description: "Every container has a memory limit and a CPU limit.",
  remediation:
    "Set resources.limits.memory and resources.limits.cpu (Kubernetes) or memory and cpus (Docker) on every container.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...podViolations(subject), ...containerViolations(subject)],
};
