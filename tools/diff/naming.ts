/**
 * Names resources the way a user recognises them: each target names the
 * provider resources it owns (a Kubernetes object by kind, namespace and name,
 * "Deployment ml-platform/model-serving"; a Docker resource by what it is and
 * its real name, "container ml-platform-dev-model-serving-0"), components go
 * by their logical name.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { RenderedResource } from "../render/model";

function isComponent(resource: RenderedResource): boolean {
  // A component's type token is the project's own (ml-platform:<module>:<Type>); providers' are not.
  return resource.custom === false || resource.type.split(":")[0] === "ml-platform";
}

export function displayName(resource: RenderedResource): string {
  if (resource.type.startsWith("pulumi:providers:")) return `provider ${resource.type.slice(17)} ${resource.name}`;
  const named = TARGET_VIEWS.displayName({ type: resource.type, name: resource.name, props: resource.inputs });
  if (named !== undefined) return named;
  if (isComponent(resource)) return `${resource.name} (${resource.type})`;
  const shortType = resource.type.split(":").pop() ?? resource.type;
  return `${shortType} ${resource.name}`;
}
