/**
 * Checks on rendered pod specs shared by the component tests and the prod
 * stack suite: the restricted Pod Security Standard, label selection, and
 * where a pod template sits in each kind of object.
 */
import { RESTRICTED_VOLUME_TYPES } from "../../../policy/rules/pod-security-restricted";

type Json = Record<string, unknown>;

const asRecord = (value: unknown): Json =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Every way a pod spec breaks the restricted Pod Security Standard (the
 * checks admission runs with pod-security.kubernetes.io/enforce: restricted).
 */
export function restrictedViolations(podSpec: unknown): string[] {
  const pod = asRecord(podSpec);
  const podContext = asRecord(pod.securityContext);
  const problems: string[] = [];
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (pod[field] === true) problems.push(`${field} is set`);
  }
  for (const volume of asList(pod.volumes).map(asRecord)) {
    const types = Object.keys(volume).filter((key) => key !== "name");
    const forbidden = types.filter((type) => !RESTRICTED_VOLUME_TYPES.has(type));
    if (forbidden.length > 0) problems.push(`volume ${String(volume.name)} is of type ${forbidden.join(", ")}`);
  }
  if (podContext.runAsUser === 0) problems.push("the pod runs as uid 0");
  const containers = [...asList(pod.initContainers), ...asList(pod.containers)].map(asRecord);
  if (containers.length === 0) problems.push("the pod has no containers");
  for (const container of containers) {
    const name = String(container.name);
    const context = asRecord(container.securityContext);
    const capabilities = asRecord(context.capabilities);
    if (context.privileged === true) problems.push(`${name}: privileged`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${name}: allowPrivilegeEscalation is not false`);
    if (!asList(capabilities.drop).includes("ALL")) problems.push(`${name}: capabilities do not drop ALL`);
    const added = asList(capabilities.add).filter((capability) => capability !== "NET_BIND_SERVICE");
    if (added.length > 0) problems.push(`${name}: adds capabilities ${added.join(", ")}`);
    if (context.runAsNonRoot !== true && podContext.runAsNonRoot !== true)
      problems.push(`${name}: runAsNonRoot is not true`);
    if (context.runAsUser === 0) problems.push(`${name}: runs as uid 0`);
    const seccomp = asRecord(context.seccompProfile).type ?? asRecord(podContext.seccompProfile).type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
      problems.push(`${name}: seccompProfile is ${String(seccomp)}, not RuntimeDefault`);
    for (const port of asList(container.ports).map(asRecord)) {
      if (port.hostPort !== undefined && port.hostPort !== 0)
        problems.push(`${name}: uses hostPort ${String(port.hostPort)}`);
    }
  }
  return problems;
}

/** Whether a matchLabels selector selects pods carrying these labels. */
export function selects(matchLabels: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}

/** The pod template of a Deployment, StatefulSet, Job or CronJob manifest. */
export function podTemplateOf(manifest: Json): Json | undefined {
  const spec = asRecord(manifest.spec);
  switch (manifest.kind) {
    case "Deployment":
    case "StatefulSet":
    case "Job":
      return asRecord(spec.template);
    case "CronJob":
      return asRecord(asRecord(asRecord(spec.jobTemplate).spec).template);
    default:
      return undefined;
  }
}

export function containersOf(podSpec: unknown): Json[] {
  const pod = asRecord(podSpec);
  return [...asList(pod.initContainers), ...asList(pod.containers)].map(asRecord);
}

export { asList, asRecord };
