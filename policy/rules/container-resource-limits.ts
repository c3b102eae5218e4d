/**
 * Every container is held to a memory and a CPU ceiling, so one runaway
 * workload cannot starve the database or the rest of the node.
 */
import { parseCpuMillis, parseMemoryBytes } from "../../config/quantities";
import { asContainer, DOCKER, containerName } from "../../components/docker/resource-views";
import { describeContainer, podTemplateOf, runningContainersOf } from "../../components/kubernetes/resource-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { isUnknown, numberAt, recordAt, valueAt } from "./values";

function quantityProblem(value: unknown, parse: (text: string) => number | undefined): string | undefined {
  if (value === undefined || value === null || value === "") return "no";
  if (isUnknown(value)) return undefined;
  const parsed = parse(String(value));
  if (parsed === undefined) return `an unreadable (${JSON.stringify(value)})`;
  return parsed > 0 ? undefined : "a zero";
}

function kubernetesViolations(subject: PolicySubject): string[] {
  const template = podTemplateOf(subject);
  if (!template) return [];
  return runningContainersOf(template).flatMap((container) => {
    const limits = recordAt(container.spec, "resources", "limits");
    const problems: string[] = [];
    const memory = quantityProblem(limits.memory, parseMemoryBytes);
    if (memory) problems.push(`${describeContainer(container)} has ${memory} memory limit (resources.limits.memory)`);
    const cpu = quantityProblem(limits.cpu, parseCpuMillis);
    if (cpu) problems.push(`${describeContainer(container)} has ${cpu} CPU limit (resources.limits.cpu)`);
    return problems;
  });
}

function dockerViolations(subject: PolicySubject): string[] {
  if (subject.type !== DOCKER.container) return [];
  const name = containerName(subject);
  const problems: string[] = [];
  const memory = valueAt(subject.props, "memory");
  if (!isUnknown(memory) && !((numberAt(subject.props, "memory") ?? 0) > 0)) {
    problems.push(`container "${name}" has no memory limit (memory, in MB)`);
  }
  const cpus = valueAt(subject.props, "cpus");
  const cpusKnownPositive = typeof cpus === "string" && Number(cpus) > 0;
  const quota = (numberAt(subject.props, "cpuQuota") ?? 0) > 0;
  if (!isUnknown(cpus) && !cpusKnownPositive && !quota) {
    problems.push(
      `container "${name}" has no CPU limit (cpus, or cpuQuota with cpuPeriod); cpuShares is only a relative weight`,
    );
  }
  return problems;
}

export const containerResourceLimits: Rule = {
  name: "container-resource-limits",
  description: "Every container has a memory limit and a CPU limit.",
  remediation:
    "Set resources.limits.memory and resources.limits.cpu (Kubernetes) or memory and cpus (Docker) on every container.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...kubernetesViolations(subject), ...dockerViolations(asContainer(subject))],
};
