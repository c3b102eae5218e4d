/**
 * How a target's provider resources read, for the policies and the offline
 * diff. Each target folder answers for the resource types it owns (a provider
 * serving two targets is read once, in one of them) and answers undefined for
 * any other; the policies and tools ask every target's views through the
 * registry, so they never name a type token. The views are plain functions of
 * plain data: the policy pack and the render load them without a provider SDK.
 */

/** A resource as the views read it: its type token, Pulumi name and inputs (or, in the policy pack, its properties). */
export interface ViewedResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
}

/** A value found in a resource, with the dotted path that shows where, e.g. "envs[0]". */
export interface Located {
  path: string;
  value: string;
}

/** A name and its value where it was found: an environment variable, a label, an annotation. */
export interface NamedValue extends Located {
  name: string;
}

export interface HostMount {
  /** Path on the host. */
  hostPath: string;
  /** Path inside the container. */
  containerPath: string;
  /** Where it is declared, e.g. "mounts[1]". */
  path: string;
}

/** Whether a resource ceiling is set, and the setting that sets it, as a finding names it. */
export interface Limit {
  state: "set" | "missing" | "unknown";
  /** The setting, e.g. "memory, in MB". */
  field: string;
  /** What a reader should know about settings that look like a limit but are not one. */
  note?: string;
}

/**
 * The one container a resource runs (a container, or a service each of whose
 * tasks runs one), as the policies judge it.
 */
export interface ContainerView {
  /** Its name as findings give it. */
  name: string;
  /** The image reference it runs: a string, the unknown marker of a preview, or undefined. */
  image: unknown;
  memoryLimit: Limit;
  cpuLimit: Limit;
  /** The setting that makes it privileged, e.g. "privileged: true"; undefined when it is not. */
  privileged?: string;
  /** Capabilities it adds, as written. */
  addedCapabilities: unknown[];
  /** Host namespaces it shares, with the setting that shares each (e.g. "networkMode: host"). */
  hostNamespaces: Array<{ namespace: string; setting: string }>;
  /** Paths of the host it mounts. */
  hostMounts: HostMount[];
  env: NamedValue[];
  /** How to hand it a secret instead of a plain environment value. */
  secretDelivery: string;
  labels: NamedValue[];
  /** Its command line, word by word. */
  commandLine: Located[];
  /** Its network aliases: containers sharing one are replicas of one service. */
  aliases: Array<{ network: string; alias: string }>;
  /** Whether it reports its health (a healthcheck that is not NONE). */
  healthchecked: boolean;
  /** Its restart policy as written, "no" when it has none. */
  restartPolicy: string;
  /** Whether a path of the resource's properties is a file written into it: the route for secret files. */
  receivesFileAt: (path: string) => boolean;
}

/** A container of a pod template. */
export interface PodContainer {
  name: string;
  /** e.g. "spec.template.spec.containers[0]". */
  path: string;
  /** "containers", "initContainers" or "ephemeralContainers". */
  list: string;
  /** How findings name it, e.g. `init container "init" (spec.template.spec.initContainers[0])`. */
  label: string;
  spec: Record<string, unknown>;
}

/** The pod template of a pod-bearing object: its pod spec and metadata, and where they are. */
export interface PodTemplate {
  /** Dotted path of the pod spec inside the object, e.g. "spec.template.spec". */
  specPath: string;
  spec: Record<string, unknown>;
  metadata: Record<string, unknown>;
  metadataPath: string;
  /** Its containers: init containers, containers, then ephemeral containers. */
  containers: PodContainer[];
}

/** An object of an orchestrator's API, as other objects refer to it. */
export interface ObjectView {
  kind: string;
  name: string;
  namespace: string;
  /** Whether a controller (or an autoscaler) manages its replica count. */
  scalable: boolean;
}

/** Storage that holds the platform's state. */
export interface StatefulStorage {
  /** What it is, as findings name it, e.g. "PersistentVolumeClaim". */
  kind: string;
  /** Settings by which it deletes the claims it made, e.g. "spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Delete". */
  claimDeletion: string[];
}

/** What the policies make of a resource beyond the containers it runs. */
export type ResourceRole =
  /** Holds secrets by design: a secret object. */
  | "secret-store"
  /** Holds plain configuration data (data and binaryData keys). */
  | "plain-config"
  /** An image pulled by reference, named by its name input. */
  | "pulled-image"
  /** A volume the cluster provides, which may be a path of a node (spec.hostPath). */
  | "persistent-volume"
  /** Scales another object (spec.scaleTargetRef, min and max replicas, metrics). */
  | "autoscaler"
  /** Keeps pods available through voluntary disruptions (spec.minAvailable, spec.maxUnavailable). */
  | "disruption-budget"
  /** Routes traffic to pods (spec.type). */
  | "network-service"
  /** Grants within a namespace (rules), or cluster-wide. */
  | "access-role"
  | "cluster-access-role"
  /** Binds a role to subjects (roleRef, subjects), within a namespace or cluster-wide. */
  | "access-binding"
  | "cluster-access-binding";

export interface ResourceViews {
  /** The resource as the one container it runs. */
  container?: (resource: ViewedResource) => ContainerView | undefined;
  /** The pod template the resource carries. */
  podTemplate?: (resource: ViewedResource) => PodTemplate | undefined;
  /** The resource as an object of an orchestrator's API. */
  object?: (resource: ViewedResource) => ObjectView | undefined;
  role?: (resource: ViewedResource) => ResourceRole | undefined;
  /** Whether a disruption budget selects pods carrying these labels. */
  selectsPods?: (resource: ViewedResource, labels: Record<string, unknown>) => boolean | undefined;
  statefulStorage?: (resource: ViewedResource) => StatefulStorage | undefined;
  /** Labels and annotations of a resource that runs no container. */
  labels?: (resource: ViewedResource) => NamedValue[] | undefined;
  /** The values a secret store holds, in plain text. */
  storedSecrets?: (resource: ViewedResource) => string[] | undefined;
  /** How the diff names the resource, e.g. "Deployment ml-platform/model-serving" or "volume ml-platform-dev-data". */
  displayName?: (resource: ViewedResource) => string | undefined;
  /** Input paths whose change makes the provider replace a resource of this type ("*": every input). */
  replacementPaths?: (type: string) => string[] | undefined;
}
