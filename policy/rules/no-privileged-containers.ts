/**
 * No container runs privileged or with the capabilities that amount to it:
 * either hands the workload the host's kernel.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { listAt, valueAt } from "./values";

/** Capabilities that make a container as powerful as a privileged one. */
const PRIVILEGED_CAPABILITIES = new Set(["ALL", "SYS_ADMIN"]);

function privilegedCapabilities(added: unknown[]): string[] {
  return added
    .map((capability) => String(capability).toUpperCase().replace(/^CAP_/, ""))
    .filter((capability) => PRIVILEGED_CAPABILITIES.has(capability));
}

function podViolations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  return template.containers.flatMap((container) => {
    const problems: string[] = [];
    if (valueAt(container.spec, "securityContext", "privileged") === true) {
      problems.push(`${container.label} is privileged (securityContext.privileged: true)`);
    }
    const capabilities = privilegedCapabilities(listAt(container.spec, "securityContext", "capabilities", "add"));
    if (capabilities.length > 0) {
      problems.push(`${container.label} adds ${capabilities.join(", ")}, which is as good as privileged`);
    }
    return problems;
  });
}

function containerViolations(subject: PolicySubject): string[] {
  const container = TARGET_VIEWS.container(subject);
  if (!container) return [];
  const problems: string[] = [];
  if (container.privileged) problems.push(`container "${container.name}" is privileged (${container.privileged})`);
  const capabilities = privilegedCapabilities(container.addedCapabilities);
  if (capabilities.length > 0)
    problems.push(`container "${container.name}" adds ${capabilities.join(", ")}, which is as good as privileged`);
  return problems;
}

export const noPrivilegedContainers: Rule = {
  name: "no-privileged-containers",
  description: "No container is privileged or adds the ALL or SYS_ADMIN capability.",
  remediation:
    "Remove privileged: true and the ALL/SYS_ADMIN capabilities; grant only the narrow capability the process needs.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...podViolations(subject), ...containerViolations(subject)],
};
