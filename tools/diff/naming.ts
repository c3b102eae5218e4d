/**
 * Names resources the way a user recognises them: Kubernetes objects by kind,
 * namespace and name ("Deployment ml-platform/model-serving"), Docker
 * resources by what they are and their real name ("container
 * ml-platform-dev-model-serving-0"), components by their logical name.
 */
import { isKubernetesObject } from "../../components/kubernetes/offline/manifests";
import { RenderedResource } from "../render/model";
import { isRecord } from "./values";

/** "docker:index/remoteImage:RemoteImage" -> "remote image". */
function spokenType(type: string): string {
  const last = type.split(":").pop() ?? type;
  return last
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
}

function kubernetesName(resource: RenderedResource): string {
  const metadata = isRecord(resource.inputs.metadata) ? resource.inputs.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : resource.name;
  const namespace = typeof metadata.namespace === "string" ? `${metadata.namespace}/` : "";
  return `${String(resource.inputs.kind)} ${namespace}${name}`;
}

/** Docker resources carry their real name as an input (for an image, its reference). */
function dockerName(resource: RenderedResource): string {
  const real = typeof resource.inputs.name === "string" ? resource.inputs.name : resource.name;
  return `${spokenType(resource.type)} ${real}`;
}

function isComponent(resource: RenderedResource): boolean {
  // A component's type token is the project's own (ml-platform:<module>:<Type>); providers' are not.
  return resource.custom === false || resource.type.split(":")[0] === "ml-platform";
}

export function displayName(resource: RenderedResource): string {
  if (resource.type.startsWith("pulumi:providers:")) return `provider ${resource.type.slice(17)} ${resource.name}`;
  if (isKubernetesObject(resource)) return kubernetesName(resource);
  if (resource.type.startsWith("docker:")) return dockerName(resource);
  if (isComponent(resource)) return `${resource.name} (${resource.type})`;
  const shortType = resource.type.split(":").pop() ?? resource.type;
  return `${shortType} ${resource.name}`;
}
