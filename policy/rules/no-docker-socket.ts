/**
 * No workload talks to the container runtime through its socket: that is root
 * on the host. In development the worker may have it when the stack opts in
 * explicitly (docker.workerDockerSocket), and then the rule only advises.
 */
import { asContainer, DOCKER, containerName, hostMountsOf } from "./docker";
import { exposesContainerRuntime } from "./host-paths";
import { podTemplateOf } from "./kubernetes";
import { EnforcementLevel, PolicySettings, PolicySubject, Rule } from "./model";
import { isRecord, listAt, stringAt } from "./values";

function kubernetesViolations(subject: PolicySubject): string[] {
  const template = podTemplateOf(subject);
  if (!template) return [];
  return listAt(template.spec, "volumes")
    .map((volume, index) => ({ path: stringAt(volume, "hostPath", "path"), volume, index }))
    .filter(({ path, volume }) => isRecord(volume) && path !== undefined && exposesContainerRuntime(path))
    .map(
      ({ path, index }) =>
        `the pod mounts the container runtime's socket "${path}" (${template.specPath}.volumes[${index}].hostPath)`,
    );
}

function dockerViolations(subject: PolicySubject): string[] {
  if (subject.type !== DOCKER.container) return [];
  return hostMountsOf(subject)
    .filter((mount) => exposesContainerRuntime(mount.hostPath))
    .map(
      (mount) =>
        `container "${containerName(subject)}" mounts the container runtime's socket "${mount.hostPath}" at "${mount.containerPath}" (${mount.path}): root on the host`,
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
  check: (subject) => [...kubernetesViolations(subject), ...dockerViolations(asContainer(subject))],
};
