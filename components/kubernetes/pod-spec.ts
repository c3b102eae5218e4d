/**
 * The one pod-spec builder behind every Deployment, StatefulSet, Job, CronJob
 * and the executors' job template: it translates a neutral ContainerSpec and
 * holds every pod to the restricted Pod Security Standard.
 */
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { ContainerSpec, Probe, Resources, SecretEnv } from "../../platform/model";
import { dnsLabel } from "./naming";
import { PodPlacement } from "./placement";

type PodSpec = k8s.core.v1.PodSpec;
type Container = k8s.core.v1.Container;
type EnvVar = k8s.core.v1.EnvVar;
type Volume = k8s.core.v1.Volume;
type VolumeMount = k8s.core.v1.VolumeMount;

/** The device-plugin resource the NVIDIA GPU operator (MicroK8s gpu addon) advertises. */
export const GPU_RESOURCE = "nvidia.com/gpu";
/** Where secret keys a container takes as files are mounted. */
export const SECRET_FILES_ROOT = "/run/secrets";
/** Group-readable: the file's group is the pod's fsGroup, the container's own gid. */
const SECRET_FILE_MODE = 0o440;
const BUNDLE_FILE_MODE = 0o444;

export interface ContainerRole {
  /** The container's name, a DNS label. */
  name: string;
  spec: ContainerSpec;
  /** Variables whose values the target computes (e.g. from other resources), appended to the spec's own. */
  extraEnv?: EnvVar[];
}

export interface PodOptions {
  /** Defaults to Kubernetes' own (Always); jobs pass Never. */
  restartPolicy?: "Always" | "OnFailure" | "Never";
  serviceAccountName?: pulumi.Input<string>;
  /** Only a pod that talks to the Kubernetes API gets a token. Default false. */
  automountServiceAccountToken?: boolean;
  /** Run to completion, in order, before the main container starts. */
  initContainers?: ContainerRole[];
  /** Mounts of volumes a controller supplies, such as a StatefulSet's claim templates. */
  controllerVolumeMounts?: Array<{ name: string; mountPath: string }>;
}

const RUNTIME_DEFAULT_SECCOMP = { type: "RuntimeDefault" } as const;

function checkUser(role: ContainerRole): void {
  const { uid, gid } = role.spec.user;
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid) || gid < 0) {
    throw new Error(
      `container "${role.name}" must run as a non-root uid (got uid ${uid}, gid ${gid}); the restricted profile forbids root`,
    );
  }
}

/** The restricted profile at pod level; fsGroup makes mounted volumes the container's group. */
export function podSecurityContext(user: ContainerSpec["user"]): k8s.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: user.uid,
    runAsGroup: user.gid,
    fsGroup: user.gid,
    // Re-owning a large data volume on every start is slow; only fix it when the root is wrong.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}

/** The restricted profile at container level. */
export function containerSecurityContext(spec: ContainerSpec): k8s.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: spec.user.uid,
    runAsGroup: spec.user.gid,
    privileged: false,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: spec.readOnlyRootFilesystem,
    seccompProfile: RUNTIME_DEFAULT_SECCOMP,
  };
}

/**
 * The node's disk a container may fill (its writable paths, logs): past the
 * limit the kubelet evicts that pod alone, so a flow run or a server that
 * fills /tmp cannot get Postgres evicted for the node's disk pressure.
 */
export const EPHEMERAL_STORAGE = { request: "128Mi", limit: "2Gi" } as const;
/** Each writable path (an emptyDir) holds at most this. */
export const WRITABLE_PATH_SIZE_LIMIT = "1Gi";

/** Requests and limits; GPUs are an extended resource, set as a limit (Kubernetes copies it to requests). */
export function resourceRequirements(resources: Resources): k8s.core.v1.ResourceRequirements {
  return {
    requests: {
      cpu: resources.requests.cpu,
      memory: resources.requests.memory,
      "ephemeral-storage": EPHEMERAL_STORAGE.request,
    },
    limits: {
      cpu: resources.limits.cpu,
      memory: resources.limits.memory,
      "ephemeral-storage": EPHEMERAL_STORAGE.limit,
      ...(resources.gpus > 0 ? { [GPU_RESOURCE]: String(resources.gpus) } : {}),
    },
  };
}

export function probe(neutral: Probe): k8s.core.v1.Probe {
  const handler =
    neutral.check.kind === "http"
      ? { httpGet: { path: neutral.check.path, port: neutral.check.port, scheme: "HTTP" } }
      : { exec: { command: neutral.check.command } };
  return {
    ...handler,
    periodSeconds: neutral.periodSeconds,
    timeoutSeconds: neutral.timeoutSeconds,
    failureThreshold: neutral.failureThreshold,
  };
}

export function secretFilePath(ref: SecretEnv): string {
  return `${SECRET_FILES_ROOT}/${ref.secret}/${ref.key}`;
}

export const bundleVolumeName = (bundle: string) => dnsLabel(`bundle-${bundle}`);
export const secretVolumeName = (secret: string) => dnsLabel(`secret-${secret}`);
export const writableVolumeName = (path: string) => dnsLabel(`writable-${path}`);
export const claimVolumeName = (volume: string) => dnsLabel(volume);

/**
 * Environment in a fixed order: literals, service addresses, secrets. A
 * secret never becomes a literal value: it is a secretKeyRef, or, where the
 * image reads `<NAME>_FILE`, a mounted file whose path is the value.
 */
export function environment(role: ContainerRole, placement: PodPlacement): EnvVar[] {
  const { spec } = role;
  const sorted = <T>(record: Record<string, T>) =>
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const variables: EnvVar[] = [
    ...sorted(spec.env).map(([name, value]): EnvVar => ({ name, value })),
    ...sorted(spec.serviceEnv).map(([name, address]): EnvVar => ({ name, value: placement.serviceUrl(address) })),
    ...sorted(spec.secretEnv).map(([name, ref]): EnvVar =>
      ref.fileVariable
        ? { name: ref.fileVariable, value: secretFilePath(ref) }
        : { name, valueFrom: { secretKeyRef: { name: placement.secretName(ref.secret), key: ref.key } } },
    ),
    ...(role.extraEnv ?? []),
  ];
  const seen = new Set<string>();
  for (const variable of variables) {
    const name = variable.name as string;
    if (seen.has(name)) throw new Error(`container "${role.name}" sets ${name} twice`);
    seen.add(name);
  }
  return variables;
}

/** Collects a pod's volumes by name across its containers. */
class PodVolumes {
  private readonly volumes = new Map<string, Volume>();
  private readonly secretKeys = new Map<string, Set<string>>();

  constructor(private readonly placement: PodPlacement) {}

  mounts(role: ContainerRole): VolumeMount[] {
    const { spec } = role;
    const mounts: VolumeMount[] = [];
    for (const mount of spec.mounts) {
      const name = claimVolumeName(mount.volume);
      this.add({ name, persistentVolumeClaim: { claimName: this.placement.claimName(mount.volume) } });
      mounts.push({ name, mountPath: mount.path, readOnly: mount.readOnly });
    }
    for (const bundle of spec.bundles) {
      const name = bundleVolumeName(bundle.name);
      this.add({ name, configMap: { name: this.placement.bundleConfigMap(bundle), defaultMode: BUNDLE_FILE_MODE } });
      mounts.push({ name, mountPath: bundle.directory, readOnly: true });
    }
    const fileSecrets = Object.values(spec.secretEnv).filter((ref) => ref.fileVariable);
    for (const secret of new Set(fileSecrets.map((ref) => ref.secret))) {
      const keys = this.secretKeys.get(secret) ?? new Set<string>();
      fileSecrets.filter((ref) => ref.secret === secret).forEach((ref) => keys.add(ref.key));
      this.secretKeys.set(secret, keys);
      mounts.push({ name: secretVolumeName(secret), mountPath: `${SECRET_FILES_ROOT}/${secret}`, readOnly: true });
    }
    for (const path of spec.writablePaths) {
      const name = writableVolumeName(path);
      this.add({ name, emptyDir: { sizeLimit: WRITABLE_PATH_SIZE_LIMIT } });
      mounts.push({ name, mountPath: path });
    }
    const paths = mounts.map((mount) => mount.mountPath as string);
    const repeated = paths.find((path, index) => paths.indexOf(path) !== index);
    if (repeated) throw new Error(`container "${role.name}" mounts two volumes at ${repeated}`);
    return mounts;
  }

  list(): Volume[] {
    const secrets = [...this.secretKeys].map(([secret, keys]): Volume => ({
      name: secretVolumeName(secret),
      secret: {
        secretName: this.placement.secretName(secret),
        defaultMode: SECRET_FILE_MODE,
        // Only the keys this pod reads, not the whole secret.
        items: [...keys].sort().map((key) => ({ key, path: key })),
      },
    }));
    return [...this.volumes.values(), ...secrets];
  }

  private add(volume: Volume): void {
    // Names encode their source (claim, bundle, path), so a repeat is the same volume.
    if (!this.volumes.has(volume.name as string)) this.volumes.set(volume.name as string, volume);
  }
}

function container(
  role: ContainerRole,
  placement: PodPlacement,
  volumes: PodVolumes,
  extraMounts: VolumeMount[],
): Container {
  checkUser(role);
  const { spec } = role;
  return {
    name: role.name,
    image: spec.image,
    // Images are pinned to exact tags or digests, so a cached copy is the right one.
    imagePullPolicy: "IfNotPresent",
    command: spec.command,
    args: spec.args,
    env: environment(role, placement),
    ports:
      spec.ports.length > 0
        ? spec.ports.map((port) => ({ name: port.name, containerPort: port.port, protocol: "TCP" }))
        : undefined,
    resources: resourceRequirements(spec.resources),
    startupProbe: spec.probes.startup && probe(spec.probes.startup),
    readinessProbe: spec.probes.readiness && probe(spec.probes.readiness),
    livenessProbe: spec.probes.liveness && probe(spec.probes.liveness),
    securityContext: containerSecurityContext(spec),
    volumeMounts: [...extraMounts, ...volumes.mounts(role)],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

export function buildPodSpec(main: ContainerRole, placement: PodPlacement, options: PodOptions = {}): PodSpec {
  const volumes = new PodVolumes(placement);
  const initContainers = (options.initContainers ?? []).map((role) => container(role, placement, volumes, []));
  const controllerMounts = (options.controllerVolumeMounts ?? []).map(({ name, mountPath }) => ({ name, mountPath }));
  const mainContainer = container(main, placement, volumes, controllerMounts);
  const usesGpu = [main, ...(options.initContainers ?? [])].some((role) => role.spec.resources.gpus > 0);
  return {
    automountServiceAccountToken: options.automountServiceAccountToken ?? false,
    serviceAccountName: options.serviceAccountName,
    // Service links would inject variables such as PREFECT_SERVER_PORT that collide with real settings.
    enableServiceLinks: false,
    restartPolicy: options.restartPolicy,
    runtimeClassName: usesGpu ? placement.gpuRuntimeClassName : undefined,
    priorityClassName: placement.priorityClassName,
    securityContext: podSecurityContext(main.spec.user),
    initContainers: initContainers.length > 0 ? initContainers : undefined,
    containers: [mainContainer],
    volumes: volumes.list(),
  };
}
