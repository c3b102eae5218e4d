/**
 * No workload shares the host's network, process or IPC namespace: each one
 * lets a container see and reach what belongs to the node.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { valueAt } from "./values";

const POD_FIELDS: Array<[field: string, namespace: string]> = [
  ["hostNetwork", "network"],
  ["hostPID", "process (PID)"],
  ["hostIPC", "IPC"],
];

function podViolations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  return POD_FIELDS.filter(([field]) => valueAt(template.spec, field) === true).map(
    ([field, namespace]) => `the pod shares the host's ${namespace} namespace (${template.specPath}.${field}: true)`,
  );
}

function containerViolations(subject: PolicySubject): string[] {
  const container = TARGET_VIEWS.container(subject);
  if (!container) return [];
  return container.hostNamespaces.map(
    ({ namespace, setting }) => `container "${container.name}" shares the host's ${namespace} namespace (${setting})`,
  );
}

export const noHostNamespaces: Rule = {
  name: "no-host-namespaces",
  description: "No pod or container uses the host's network, PID or IPC namespace.",
  remediation:
    "Remove hostNetwork/hostPID/hostIPC (Kubernetes) or networkMode/pidMode/ipcMode host (Docker); publish ports instead of sharing the host network.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...podViolations(subject), ...containerViolations(subject)],
};
