/**
 * No container runs privileged or with the capabilities that amount to it:
 * either hands the workload the host's kernel.
 */
import { asContainer, DOCKER, containerName } from "../../components/docker/resource-views";
import { containersOf, describeContainer, podTemplateOf } from "../../components/kubernetes/resource-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { listAt, valueAt } from "./values";

/** Capabilities that make a container as powerful as a privileged one. */
const PRIVILEGED_CAPABILITIES = new Set(["ALL", "SYS_ADMIN"]);

function privilegedCapabilities(added: unknown[]): string[] {
  return added
    .map((capability) => String(capability).toUpperCase().replace(/^CAP_/, ""))
    .filter((capability) => PRIVILEGED_CAPABILITIES.has(capability));
}

function kubernetesViolations(subject: PolicySubject): string[] {
  const template = podTemplateOf(subject);
  if (!template) return [];
  return containersOf(template).flatMap((container) => {
    const problems: string[] = [];
    if (valueAt(container.spec, "securityContext", "privileged") === true) {
      problems.push(`${describeContainer(container)} is privileged (securityContext.privileged: true)`);
    }
    const capabilities = privilegedCapabilities(listAt(container.spec, "securityContext", "capabilities", "add"));
    if (capabilities.length > 0) {
      problems.push(`${describeContainer(container)} adds ${capabilities.join(", ")}, which is as good as privileged`);
    }
    return problems;
  });
}

function dockerViolations(subject: PolicySubject): string[] {
  if (subject.type !== DOCKER.container) return [];
  const name = containerName(subject);
  const problems: string[] = [];
  if (valueAt(subject.props, "privileged") === true)
    problems.push(`container "${name}" is privileged (privileged: true)`);
  const capabilities = privilegedCapabilities(listAt(subject.props, "capabilities", "adds"));
  if (capabilities.length > 0)
    problems.push(`container "${name}" adds ${capabilities.join(", ")}, which is as good as privileged`);
  return problems;
}

export const noPrivilegedContainers: Rule = {
  name: "no-privileged-containers",
  description: "No container is privileged or adds the ALL or SYS_ADMIN capability.",
  remediation:
    "Remove privileged: true and the ALL/SYS_ADMIN capabilities; grant only the narrow capability the process needs.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...kubernetesViolations(subject), ...dockerViolations(asContainer(subject))],
};
