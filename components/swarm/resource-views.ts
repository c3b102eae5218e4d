/**
 * How the Swarm target's resources read for the policies. Its networks,
 * volumes, secrets and images are the Docker provider's, read by the Docker
 * target's views; what is its own is the service, whose every task runs one
 * container, so the rules judge a service as that container (asContainer).
 */
import { isUnknown, numberAt, recordAt, stringAt, valueAt } from "../../policy/rules/values";
import { dockerContainerView } from "../docker/resource-views";
import { ResourceViews, ViewedResource } from "../resource-views";
import { DOCKER_TYPES } from "../docker/provider-types";

const MEBIBYTE = 1024 * 1024;

/**
 * A Swarm service seen as the container each of its tasks runs: its
 * containerSpec's image, environment, mounts, user and capabilities, and its
 * task resources' limits in a container's units, as a
 * docker:index/container:Container's properties. Any other resource is itself.
 */
export function asContainer(resource: ViewedResource): ViewedResource {
  if (resource.type !== DOCKER_TYPES.service) return resource;
  const containerSpec = recordAt(resource.props, "taskSpec", "containerSpec");
  const limits = recordAt(resource.props, "taskSpec", "resources", "limits");
  const memoryBytes = valueAt(limits, "memoryBytes");
  const nanoCpus = valueAt(limits, "nanoCpus");
  const env = recordAt(containerSpec, "env");
  const props: Record<string, unknown> = {
    name: stringAt(resource.props, "name") ?? resource.name,
    image: valueAt(containerSpec, "image"),
    command: valueAt(containerSpec, "args"),
    entrypoints: valueAt(containerSpec, "commands"),
    envs: Object.keys(env).map((name) => `${name}=${String(env[name])}`),
    mounts: valueAt(containerSpec, "mounts"),
    user: valueAt(containerSpec, "user"),
    readOnly: valueAt(containerSpec, "readOnly"),
    capabilities: { adds: valueAt(containerSpec, "capAdds"), drops: valueAt(containerSpec, "capDrops") },
    labels: valueAt(containerSpec, "labels"),
    memory: isUnknown(memoryBytes) ? memoryBytes : (numberAt(limits, "memoryBytes") ?? 0) / MEBIBYTE,
    cpus: isUnknown(nanoCpus) ? nanoCpus : String((numberAt(limits, "nanoCpus") ?? 0) / 1e9),
  };
  return { ...resource, props };
}

export const swarmResourceViews: ResourceViews = {
  container: (resource) =>
    resource.type === DOCKER_TYPES.service
      ? // A service's files arrive as Swarm secrets and configs, resources of their own: none is written into it.
        { ...dockerContainerView(asContainer(resource)), receivesFileAt: () => false }
      : undefined,
};
