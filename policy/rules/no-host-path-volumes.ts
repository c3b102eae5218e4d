/**
 * No workload mounts a path of the host: data then lives outside any volume
 * the platform manages, and the container can read or change the node.
 * Container-runtime sockets are left to no-docker-socket, which knows the dev
 * opt-in.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { exposesContainerRuntime } from "./host-paths";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { isRecord, listAt, stringAt } from "./values";

function podViolations(subject: PolicySubject): string[] {
  if (TARGET_VIEWS.role(subject) === "persistent-volume") {
    const hostPath = stringAt(subject.props, "spec", "hostPath", "path");
    return hostPath === undefined
      ? []
      : [`the PersistentVolume is a hostPath volume on the node ("${hostPath}", spec.hostPath)`];
  }
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  return listAt(template.spec, "volumes")
    .map((volume, index) => ({ volume, index }))
    .filter(({ volume }) => isRecord(volume) && isRecord(volume.hostPath))
    .filter(({ volume }) => !exposesContainerRuntime(stringAt(volume, "hostPath", "path") ?? ""))
    .map(
      ({ volume, index }) =>
        `volume "${stringAt(volume, "name") ?? index}" mounts the node's "${stringAt(volume, "hostPath", "path") ?? ""}" (${template.specPath}.volumes[${index}].hostPath)`,
    );
}

function containerViolations(subject: PolicySubject): string[] {
  const container = TARGET_VIEWS.container(subject);
  if (!container) return [];
  return container.hostMounts
    .filter((mount) => !exposesContainerRuntime(mount.hostPath))
    .map(
      (mount) =>
        `container "${container.name}" bind-mounts the host's "${mount.hostPath}" at "${mount.containerPath}" (${mount.path})`,
    );
}

export const noHostPathVolumes: Rule = {
  name: "no-host-path-volumes",
  description: "No pod, PersistentVolume or container mounts a path of the host.",
  remediation:
    "Use a PersistentVolumeClaim (Kubernetes) or a named Docker volume; ship files with ConfigMaps/Secrets or container uploads.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check: (subject) => [...podViolations(subject), ...containerViolations(subject)],
};
