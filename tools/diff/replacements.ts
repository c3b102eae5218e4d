/**
 * Which changed properties make a provider replace a resource (delete it and
 * create a new one) instead of updating it in place. A replaced volume or
 * claim starts empty, and a replaced Job runs again, so a reviewer must see a
 * replacement as one.
 *
 * The rules are the providers' own, for the versions this project pins:
 * - @pulumi/kubernetes 4 replaces an object whose metadata.name or
 *   metadata.namespace changes, and per kind the fields Kubernetes does not
 *   let it change in place (a Job's template, completions, parallelism and
 *   selector; a StatefulSet's volumeClaimTemplates, selector, serviceName,
 *   podManagementPolicy and revisionHistoryLimit; a claim's storage class,
 *   access modes, selector and volume name; …). ConfigMaps and Secrets are
 *   replaced when their contents change, because the provider leaves
 *   enableConfigMapMutable and enableSecretMutable off unless asked.
 * - @pulumi/docker 5 cannot update a volume (name, driver, driver options,
 *   labels) or a network in place.
 */
import { PathSegment, PropertyChange } from "./model";

/** A property path of keys, e.g. "spec.volumeClaimTemplates"; "*" stands for every input. */
type ForceNew = string[];

const KUBERNETES_METADATA: ForceNew = ["metadata.name", "metadata.namespace"];

const KUBERNETES_KINDS: Record<string, ForceNew> = {
  "batch/v1:Job": ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
  "apps/v1:StatefulSet": [
    "spec.podManagementPolicy",
    "spec.revisionHistoryLimit",
    "spec.selector",
    "spec.serviceName",
    "spec.volumeClaimTemplates",
  ],
  "apps/v1:Deployment": ["spec.selector"],
  "apps/v1:DaemonSet": ["spec.selector"],
  "core/v1:PersistentVolumeClaim": ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
  "core/v1:ConfigMap": ["data", "binaryData"],
  "core/v1:Secret": ["type", "data", "stringData"],
  "core/v1:Service": ["spec.clusterIP"],
  "core/v1:ResourceQuota": ["spec.scopes"],
  "rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
  "storage.k8s.io/v1:StorageClass": ["parameters", "provisioner"],
};

const DOCKER_TYPES: Record<string, ForceNew> = {
  "docker:index/volume:Volume": ["name", "driver", "driverOpts", "labels"],
  "docker:index/network:Network": ["*"],
};

/** The paths whose change replaces a resource of this type; empty when every change is in place. */
export function forceNewPaths(type: string): ForceNew {
  if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm")) {
    const kind = type.slice("kubernetes:".length);
    return [...KUBERNETES_METADATA, ...(KUBERNETES_KINDS[kind] ?? [])];
  }
  return DOCKER_TYPES[type] ?? [];
}

function keyPrefix(path: PathSegment[]): string[] {
  const keys: string[] = [];
  for (const segment of path) {
    if (segment.kind !== "key") break;
    keys.push(segment.key);
  }
  return keys;
}

/** Whether changing this input replaces a resource of `type`. Options never do. */
export function forcesReplacement(type: string, change: PropertyChange): boolean {
  if (change.scope !== "input") return false;
  const keys = keyPrefix(change.path);
  return forceNewPaths(type).some((rule) => {
    if (rule === "*") return true;
    const parts = rule.split(".");
    // A change at the rule's path or below it; or the change of a whole parent object that holds it.
    const shared = Math.min(parts.length, keys.length);
    return shared > 0 && parts.slice(0, shared).every((part, index) => part === keys[index]);
  });
}
