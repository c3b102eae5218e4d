/**
 * Where docker:index/container:Container keeps what the rules look at: host
 * mounts, namespaces, labels, environment and the files it uploads. A Swarm
 * service's task runs one such container, so the rules read it through the
 * same view (asContainer).
 */
import { PolicySubject } from "../../policy/rules/model";
import { isRecord, isUnknown, listAt, numberAt, recordAt, stringAt, valueAt } from "../../policy/rules/values";

export const DOCKER = {
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  volume: "docker:index/volume:Volume",
  network: "docker:index/network:Network",
  service: "docker:index/service:Service",
  secret: "docker:index/secret:Secret",
} as const;

const MEBIBYTE = 1024 * 1024;

/**
 * A Swarm service seen as the container each of its tasks runs: its
 * containerSpec's image, environment, mounts, user and capabilities, and its
 * task resources' limits in a container's units. Any other subject is itself.
 */
export function asContainer(subject: PolicySubject): PolicySubject {
  if (subject.type !== DOCKER.service) return subject;
  const containerSpec = recordAt(subject.props, "taskSpec", "containerSpec");
  const limits = recordAt(subject.props, "taskSpec", "resources", "limits");
  const memoryBytes = valueAt(limits, "memoryBytes");
  const nanoCpus = valueAt(limits, "nanoCpus");
  const env = recordAt(containerSpec, "env");
  const props: Record<string, unknown> = {
    name: stringAt(subject.props, "name") ?? subject.name,
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
  return { ...subject, type: DOCKER.container, props };
}

export function isDockerContainer(subject: PolicySubject): boolean {
  return subject.type === DOCKER.container;
}

export interface HostMount {
  /** Path on the host. */
  hostPath: string;
  /** Path inside the container. */
  containerPath: string;
  /** Where it is declared, e.g. "mounts[1]". */
  path: string;
}

/** Bind mounts of host paths, whether declared as `mounts` (type bind) or legacy `volumes` (hostPath). */
export function hostMountsOf(subject: PolicySubject): HostMount[] {
  const binds = listAt(subject.props, "mounts")
    .map((mount, index) => ({ mount, index }))
    .filter(({ mount }) => isRecord(mount) && mount.type === "bind")
    .map(({ mount, index }) => ({
      hostPath: stringAt(mount, "source") ?? "",
      containerPath: stringAt(mount, "target") ?? "",
      path: `mounts[${index}]`,
    }));
  const legacy = listAt(subject.props, "volumes")
    .map((volume, index) => ({ volume, index }))
    .filter(({ volume }) => typeof stringAt(volume, "hostPath") === "string")
    .map(({ volume, index }) => ({
      hostPath: stringAt(volume, "hostPath") ?? "",
      containerPath: stringAt(volume, "containerPath") ?? "",
      path: `volumes[${index}]`,
    }));
  return [...binds, ...legacy];
}

export interface DockerEnv {
  name: string;
  value: string;
  path: string;
}

/** `envs` entries ("KEY=VALUE") split into name and value. */
export function envsOf(subject: PolicySubject): DockerEnv[] {
  return listAt(subject.props, "envs").flatMap((entry, index) => {
    if (typeof entry !== "string") return [];
    const separator = entry.indexOf("=");
    const name = separator < 0 ? entry : entry.slice(0, separator);
    const value = separator < 0 ? "" : entry.slice(separator + 1);
    return [{ name, value, path: `envs[${index}]` }];
  });
}

/** The container's network aliases per network: containers sharing one are replicas of one service. */
export function aliasesOf(subject: PolicySubject): Array<{ network: string; alias: string }> {
  return listAt(subject.props, "networksAdvanced").flatMap((network) =>
    listAt(network, "aliases")
      .filter((alias): alias is string => typeof alias === "string")
      .map((alias) => ({ network: stringAt(network, "name") ?? "", alias })),
  );
}

export function containerName(subject: PolicySubject): string {
  return stringAt(subject.props, "name") ?? subject.name;
}
