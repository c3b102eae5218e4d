/**
 * No workload talks to the container runtime through its socket: that is root
 * on the host. In development the worker may have it when the stack opts in
 * explicitly (docker.workerDockerSocket), and then the rule only advises.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { exposesContainerRuntime } from "./host-paths";
import { EnforcementLevel, PolicySettings, PolicySubject, Rule } from "./model";
import { isRecord, listAt, stringAt } from "./values";

function podViolations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  return listAt(template.spec, "volumes")
    .map((volume, index) => ({ path: stringAt(volume, "hostPath", "path"), volume, index }))
    .filter(({ path, volume }) => isRecord(volume) && path !== undefined && exposesContainerRuntime(path))
    .map(
      ({ path, index }) =>
        `the pod mounts the container runtime's socket "${path}" (${template.specPath}.volumes[${index}].hostPath)`,
    );
}

function containerViolations(subject: PolicySubject): string[] {
  const container = TARGET_VIEWS.container(subject);
  if (!container) return [];
  return container.hostMounts
    .filter((mount) => exposesContainerRuntime(mount.hostPath))
    .map(
      (mount) =>
        `container "${container.name}" mounts the container runtime's socket "${mount.hostPath}" at "${mount.containerPath}" (${mount.path}): root on the host`,
    );
}

function enforcement(settings: PolicySettings): EnforcementLevel {
  return settings.environment === "development" && settings.dockerSocketOptIn ? "advisory" : "mandatory";
}

export const noDockerSocket: Rule = {
  name: "no-docker-socket",
  description:
    "No workload mounts the Docker/containerd socket (advisory only for the explicit dev opt-in docker.workerDockerSocket).",
  remediation:
    "Use a process- or kubernetes-type work pool; the Docker socket is acceptable only on a developer machine with ml-platform:docker.workerDockerSocket set.",
  enforcement,
  scope: "resource",
  check: (subject) => [...podViolations(subject), ...containerViolations(subject)],
};
