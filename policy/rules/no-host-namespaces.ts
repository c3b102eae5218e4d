/**
 * No workload shares the host's network, process or IPC namespace: each one
 * lets a container see and reach what belongs to the node.
 */
import { asContainer, DOCKER, containerName } from "../../components/docker/resource-views";
import { podTemplateOf } from "../../components/kubernetes/resource-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { valueAt } from "./values";

const KUBERNETES_FIELDS: Array<[field: string, namespace: string]> = [
  ["hostNetwork", "network"],
  ["hostPID", "process (PID)"],
  ["hostIPC", "IPC"],
];

const DOCKER_FIELDS: Array<[field: string, namespace: string]> = [
  ["networkMode", "network"],
  ["pidMode", "process (PID)"],
  ["ipcMode", "IPC"],
];

function kubernetesViolations(subject: PolicySubject): string[] {
  const template = podTemplateOf(subject);
  if (!template) return [];
  return KUBERNETES_FIELDS.filter(([field]) => valueAt(template.spec, field) === true).map(
    ([field, namespace]) => `the pod shares the host's ${namespace} namespace (${template.specPath}.${field}: true)`,
  );
}

function dockerViolations(subject: PolicySubject): string[] {
  if (subject.type !== DOCKER.container) return [];
  return DOCKER_FIELDS.filter(([field]) => valueAt(subject.props, field) === "host").map(
    ([field, namespace]) =>
      `container "${containerName(subject)}" shares the host's ${namespace} namespace (${field}: host)`,
  );
}

export const noHostNamespaces: Rule = {
  name: "no-host-namespaces",
  description: "No pod or container uses the host's network, PID or IPC namespace.",
  remediation:
    "Remove hostNetwork/hostPID/hostIPC (Kubernetes) or networkMode/pidMode/ipcMode host (Docker); publish ports instead of sharing the host network.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...kubernetesViolations(subject), ...dockerViolations(asContainer(subject))],
};
