/**
 * How the Docker provider's resources read, for the policies and the offline
 * diff: where docker:index/container:Container keeps what the rules look at
 * (host mounts, namespaces, labels, environment and the files it uploads),
 * which volumes hold state, how a resource is named and which changes the
 * provider cannot make in place. The Swarm target reads its services through
 * the container view here (dockerContainerView).
 */
import { isRecord, isUnknown, listAt, numberAt, stringAt, stringLeaves, valueAt } from "../../policy/rules/values";
import {
  ContainerView,
  HostMount,
  Limit,
  NamedValue,
  ResourceRole,
  ResourceViews,
  StatefulStorage,
  ViewedResource,
} from "../resource-views";
import { DOCKER_TYPES } from "./provider-types";

function isDockerResource(type: string): boolean {
  return type.startsWith("docker:");
}

/**
 * The label a volume carries to say whether it holds state; "false" says it holds none (it is rewritten from
 * Pulumi's state on every run), which the storage policies read.
 */
export const HOLDS_STATE_LABEL = "ml-platform.holds-state";

/** Bind mounts of host paths, whether declared as `mounts` (type bind) or legacy `volumes` (hostPath). */
function hostMountsOf(props: Record<string, unknown>): HostMount[] {
  const binds = listAt(props, "mounts")
    .map((mount, index) => ({ mount, index }))
    .filter(({ mount }) => isRecord(mount) && mount.type === "bind")
    .map(({ mount, index }) => ({
      hostPath: stringAt(mount, "source") ?? "",
      containerPath: stringAt(mount, "target") ?? "",
      path: `mounts[${index}]`,
    }));
  const legacy = listAt(props, "volumes")
    .map((volume, index) => ({ volume, index }))
    .filter(({ volume }) => typeof stringAt(volume, "hostPath") === "string")
    .map(({ volume, index }) => ({
      hostPath: stringAt(volume, "hostPath") ?? "",
      containerPath: stringAt(volume, "containerPath") ?? "",
      path: `volumes[${index}]`,
    }));
  return [...binds, ...legacy];
}

/** `envs` entries ("KEY=VALUE") split into name and value. */
function envsOf(props: Record<string, unknown>): NamedValue[] {
  return listAt(props, "envs").flatMap((entry, index) => {
    if (typeof entry !== "string") return [];
    const separator = entry.indexOf("=");
    const name = separator < 0 ? entry : entry.slice(0, separator);
    const value = separator < 0 ? "" : entry.slice(separator + 1);
    return [{ name, value, path: `envs[${index}]` }];
  });
}

/** The `labels` list ({ label, value }) of any Docker resource. */
function labelsOf(props: Record<string, unknown>): NamedValue[] {
  return listAt(props, "labels").flatMap((label, index) =>
    typeof stringAt(label, "value") === "string"
      ? [
          {
            path: `labels[${index}].value`,
            value: stringAt(label, "value") ?? "",
            name: stringAt(label, "label") ?? "",
          },
        ]
      : [],
  );
}

function aliasesOf(props: Record<string, unknown>): Array<{ network: string; alias: string }> {
  return listAt(props, "networksAdvanced").flatMap((network) =>
    listAt(network, "aliases")
      .filter((alias): alias is string => typeof alias === "string")
      .map((alias) => ({ network: stringAt(network, "name") ?? "", alias })),
  );
}

function memoryLimit(props: Record<string, unknown>): Limit {
  const field = "memory, in MB";
  if (isUnknown(valueAt(props, "memory"))) return { state: "unknown", field };
  return { state: (numberAt(props, "memory") ?? 0) > 0 ? "set" : "missing", field };
}

function cpuLimit(props: Record<string, unknown>): Limit {
  const limit = { field: "cpus, or cpuQuota with cpuPeriod", note: "cpuShares is only a relative weight" };
  const cpus = valueAt(props, "cpus");
  if (isUnknown(cpus)) return { state: "unknown", ...limit };
  const cpusPositive = typeof cpus === "string" && Number(cpus) > 0;
  const quota = (numberAt(props, "cpuQuota") ?? 0) > 0;
  return { state: cpusPositive || quota ? "set" : "missing", ...limit };
}

const HOST_NAMESPACE_FIELDS: Array<[field: string, namespace: string]> = [
  ["networkMode", "network"],
  ["pidMode", "process (PID)"],
  ["ipcMode", "IPC"],
];

/** Docker writes uploads into the container's filesystem: the secret-file route (one file, or the whole list when it is secret). */
const SECRET_FILE_PATH = /^uploads(\[\d+\](\.(content|contentBase64|source))?)?$/;

/** A resource whose properties are a docker:index/container:Container's, as the policies judge it. */
export function dockerContainerView(resource: ViewedResource): ContainerView {
  const props = resource.props;
  const tests = listAt(props, "healthcheck", "tests").map(String);
  return {
    name: stringAt(props, "name") ?? resource.name,
    image: stringAt(props, "image"),
    memoryLimit: memoryLimit(props),
    cpuLimit: cpuLimit(props),
    privileged: valueAt(props, "privileged") === true ? "privileged: true" : undefined,
    addedCapabilities: listAt(props, "capabilities", "adds"),
    hostNamespaces: HOST_NAMESPACE_FIELDS.filter(([field]) => valueAt(props, field) === "host").map(
      ([field, namespace]) => ({ namespace, setting: `${field}: host` }),
    ),
    hostMounts: hostMountsOf(props),
    env: envsOf(props),
    secretDelivery: "deliver it as a file with uploads",
    labels: labelsOf(props),
    commandLine: [
      ...stringLeaves(listAt(props, "command"), "command"),
      ...stringLeaves(listAt(props, "entrypoints"), "entrypoints"),
    ],
    aliases: aliasesOf(props),
    healthchecked: tests.length > 0 && tests[0] !== "NONE",
    restartPolicy: stringAt(props, "restart") ?? "no",
    receivesFileAt: (path) => SECRET_FILE_PATH.test(path),
  };
}

function role(resource: ViewedResource): ResourceRole | undefined {
  if (resource.type === DOCKER_TYPES.remoteImage) return "pulled-image";
  if (resource.type === DOCKER_TYPES.secret) return "secret-store";
  return undefined;
}

function declaresNoState(resource: ViewedResource): boolean {
  return listAt(resource.props, "labels").some(
    (label) => stringAt(label, "label") === HOLDS_STATE_LABEL && stringAt(label, "value") === "false",
  );
}

/** A Docker volume is state unless it says otherwise. */
function statefulStorage(resource: ViewedResource): StatefulStorage | undefined {
  if (resource.type !== DOCKER_TYPES.volume || declaresNoState(resource)) return undefined;
  return { kind: "Docker volume", claimDeletion: [] };
}

/** "docker:index/remoteImage:RemoteImage" -> "remote image". */
function spokenType(type: string): string {
  const last = type.split(":").pop() ?? type;
  return last
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase();
}

/** Docker resources carry their real name as an input (for an image, its reference): "container ml-platform-dev-postgres". */
function displayName(resource: ViewedResource): string | undefined {
  if (!isDockerResource(resource.type)) return undefined;
  const real = typeof resource.props.name === "string" ? resource.props.name : resource.name;
  return `${spokenType(resource.type)} ${real}`;
}

/** @pulumi/docker 5 cannot update a volume (name, driver, driver options, labels) or a network in place. */
const REPLACED_ON_CHANGE: Record<string, string[]> = {
  [DOCKER_TYPES.volume]: ["name", "driver", "driverOpts", "labels"],
  [DOCKER_TYPES.network]: ["*"],
};

export const dockerResourceViews: ResourceViews = {
  container: (resource) => (resource.type === DOCKER_TYPES.container ? dockerContainerView(resource) : undefined),
  role,
  statefulStorage,
  labels: (resource) => (isDockerResource(resource.type) ? labelsOf(resource.props) : undefined),
  displayName,
  replacementPaths: (type) => REPLACED_ON_CHANGE[type],
};
