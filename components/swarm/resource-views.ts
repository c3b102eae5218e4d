/**
 * How the Swarm target's resources read for the policies. Its networks,
 * volumes, secrets and images are the Docker provider's, read by the Docker
 * target's views; what is its own is the service, whose every task runs one
 * container, so the rules judge a service as that container (asContainer).
 */
import { isUnknown, numberAt, recordAt, stringAt, valueAt } from "../../policy/rules/values";
import { dockerContainerView } from "../docker/resource-views";
import { ContainerView, Located, ResourceViews, ViewedResource } from "../resource-views";
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

/** Where asContainer took each container setting from in the service, so that findings name the service's own. */
const CONTAINER_SPEC = "taskSpec.containerSpec";
const SERVICE_PATHS: Array<[container: RegExp, service: string]> = [
  [/^command\[/, `${CONTAINER_SPEC}.args[`],
  [/^entrypoints\[/, `${CONTAINER_SPEC}.commands[`],
  [/^labels\[/, `${CONTAINER_SPEC}.labels[`],
];

function servicePath(path: string): string {
  for (const [container, service] of SERVICE_PATHS) if (container.test(path)) return path.replace(container, service);
  return path;
}

function atServicePaths<T extends Located>(found: T[]): T[] {
  return found.map((item) => ({ ...item, path: servicePath(item.path) }));
}

/** The service as the container its tasks run, its findings pointing at the service's settings. */
function serviceContainerView(resource: ViewedResource): ContainerView {
  const container = dockerContainerView(asContainer(resource));
  return {
    ...container,
    // The service's environment is a map: a variable's place is its name.
    env: container.env.map((variable) => ({ ...variable, path: `${CONTAINER_SPEC}.env.${variable.name}` })),
    secretDelivery: `deliver it as a Swarm secret (${CONTAINER_SPEC}.secrets, a file under /run/secrets) and point the image's *_FILE variable at it`,
    labels: atServicePaths(container.labels),
    commandLine: atServicePaths(container.commandLine),
    // A service's files arrive as Swarm secrets and configs, resources of their own: none is written into it.
    receivesFileAt: () => false,
  };
}

export const swarmResourceViews: ResourceViews = {
  container: (resource) => (resource.type === DOCKER_TYPES.service ? serviceContainerView(resource) : undefined),
};
