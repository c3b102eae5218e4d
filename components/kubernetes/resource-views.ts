/**
 * How Kubernetes objects read, for the policies and the offline diff: pod
 * templates in every pod-bearing kind, containers, metadata and selectors,
 * which kinds play which part, how an object is named and which changes
 * @pulumi/kubernetes cannot make in place.
 */
import {
  isRecord,
  joinPath,
  listAt,
  recordAt,
  stringAt,
  stringLeaves,
  StringLeaf,
  valueAt,
} from "../../policy/rules/values";
import {
  NamedValue,
  ObjectView,
  PodContainer,
  PodTemplate,
  ResourceRole,
  ResourceViews,
  StatefulStorage,
  ViewedResource,
} from "../resource-views";

const PROVIDER = "kubernetes:";

/** Path from the object to its pod spec's parent (the object holding `metadata` and `spec`). */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": [],
  "kubernetes:core/v1:PodTemplate": ["template"],
  "kubernetes:core/v1:ReplicationController": ["spec", "template"],
  "kubernetes:apps/v1:Deployment": ["spec", "template"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template"],
  "kubernetes:batch/v1:Job": ["spec", "template"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
};

/** The Kubernetes provider's type tokens the views (and the offline render) read by name. */
export const KUBERNETES = {
  persistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
  persistentVolume: "kubernetes:core/v1:PersistentVolume",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  secret: "kubernetes:core/v1:Secret",
} as const;

const ROLES: Record<string, ResourceRole> = {
  [KUBERNETES.secret]: "secret-store",
  "kubernetes:core/v1:ConfigMap": "plain-config",
  [KUBERNETES.persistentVolume]: "persistent-volume",
  "kubernetes:autoscaling/v1:HorizontalPodAutoscaler": "autoscaler",
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": "autoscaler",
  "kubernetes:policy/v1:PodDisruptionBudget": "disruption-budget",
  "kubernetes:core/v1:Service": "network-service",
  "kubernetes:rbac.authorization.k8s.io/v1:Role": "access-role",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "cluster-access-role",
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "access-binding",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "cluster-access-binding",
};

/** Kinds whose replica count a Deployment-style controller (or an HPA) manages. */
const SCALABLE_KINDS = new Set([
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:ReplicaSet",
  "kubernetes:core/v1:ReplicationController",
]);

function isKubernetes(type: string): boolean {
  return type.startsWith(PROVIDER);
}

/** Whether a resource is a Kubernetes object (its fields have a kind), rather than the provider or a component. */
export function isKubernetesObject(type: string, fields: Record<string, unknown>): boolean {
  return isKubernetes(type) && typeof fields.kind === "string";
}

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"];

function describeContainer(list: string, name: string, path: string): string {
  const role =
    list === "containers" ? "container" : list === "initContainers" ? "init container" : "ephemeral container";
  return `${role} "${name}" (${path})`;
}

function containersOf(spec: Record<string, unknown>, specPath: string): PodContainer[] {
  return CONTAINER_LISTS.flatMap((list) =>
    listAt(spec, list)
      .filter(isRecord)
      .map((container, index) => {
        const name = stringAt(container, "name") ?? `#${index}`;
        const path = `${specPath}.${list}[${index}]`;
        return { name, path, list, label: describeContainer(list, name, path), spec: container };
      }),
  );
}

function podTemplate(resource: ViewedResource): PodTemplate | undefined {
  const path = POD_TEMPLATE_PATHS[resource.type];
  if (!path) return undefined;
  const holder = path.length === 0 ? resource.props : valueAt(resource.props, ...path);
  if (!isRecord(holder)) return undefined;
  const base = path.join(".");
  const specPath = joinPath(base, "spec");
  const spec = recordAt(holder, "spec");
  return {
    specPath,
    spec,
    metadata: recordAt(holder, "metadata"),
    metadataPath: joinPath(base, "metadata"),
    containers: containersOf(spec, specPath),
  };
}

/** The object's name is metadata.name, or the Pulumi resource name a render's mock would have given it; an unset namespace is the provider's default. */
function object(resource: ViewedResource): ObjectView | undefined {
  if (!isKubernetes(resource.type)) return undefined;
  return {
    kind: resource.type.split(":").pop() ?? resource.type,
    name: stringAt(resource.props, "metadata", "name") ?? resource.name,
    namespace: stringAt(resource.props, "metadata", "namespace") ?? "default",
    scalable: SCALABLE_KINDS.has(resource.type),
  };
}

interface LabelSelector {
  matchLabels?: unknown;
  matchExpressions?: unknown;
}

/** Whether a label selector selects an object carrying these labels (an empty selector selects nothing here). */
function selectorMatches(selector: unknown, labels: Record<string, unknown>): boolean {
  if (!isRecord(selector)) return false;
  const { matchLabels, matchExpressions } = selector as LabelSelector;
  const required = isRecord(matchLabels) ? Object.entries(matchLabels) : [];
  const expressions = Array.isArray(matchExpressions) ? matchExpressions.filter(isRecord) : [];
  if (required.length === 0 && expressions.length === 0) return false;
  const labelsMatch = required.every(([key, value]) => labels[key] === value);
  const expressionsMatch = expressions.every((expression) => {
    const key = String(expression.key ?? "");
    const values = Array.isArray(expression.values) ? expression.values.map(String) : [];
    const has = key in labels;
    switch (expression.operator) {
      case "In":
        return has && values.includes(String(labels[key]));
      case "NotIn":
        return !has || !values.includes(String(labels[key]));
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        return false;
    }
  });
  return labelsMatch && expressionsMatch;
}

function statefulStorage(resource: ViewedResource): StatefulStorage | undefined {
  const kind =
    resource.type === KUBERNETES.persistentVolumeClaim
      ? "PersistentVolumeClaim"
      : resource.type === KUBERNETES.persistentVolume
        ? "PersistentVolume"
        : resource.type === KUBERNETES.statefulSet && listAt(resource.props, "spec", "volumeClaimTemplates").length > 0
          ? "StatefulSet with volumeClaimTemplates"
          : undefined;
  if (!kind) return undefined;
  const claimDeletion = ["whenDeleted", "whenScaled"]
    .filter((when) => stringAt(resource.props, "spec", "persistentVolumeClaimRetentionPolicy", when) === "Delete")
    .map((when) => `spec.persistentVolumeClaimRetentionPolicy.${when}: Delete`);
  return { kind, claimDeletion };
}

/** Labels and annotations of every metadata block in an object (its own, pod templates, claim templates). */
function metadataLeaves(value: unknown, path = ""): StringLeaf[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => metadataLeaves(item, `${path}[${index}]`));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    if (key === "metadata" && isRecord(child)) {
      return [
        ...stringLeaves(recordAt(child, "labels"), `${childPath}.labels`),
        ...stringLeaves(recordAt(child, "annotations"), `${childPath}.annotations`),
      ];
    }
    return metadataLeaves(child, childPath);
  });
}

function labels(resource: ViewedResource): NamedValue[] | undefined {
  if (!isKubernetes(resource.type)) return undefined;
  return metadataLeaves(resource.props).map((leaf) => ({ ...leaf, name: leaf.path.split(".").pop() ?? "" }));
}

/** A Secret's entries in plain text, stringData as written and data decoded. */
function storedSecrets(resource: ViewedResource): string[] | undefined {
  if (resource.type !== KUBERNETES.secret) return undefined;
  const plain = Object.values(recordAt(resource.props, "stringData")).filter((v): v is string => typeof v === "string");
  const encoded = Object.values(recordAt(resource.props, "data"))
    .filter((v): v is string => typeof v === "string")
    .map((v) => Buffer.from(v, "base64").toString("utf8"));
  return [...plain, ...encoded];
}

/** Objects by kind, namespace and name: "Deployment ml-platform/model-serving". */
function displayName(resource: ViewedResource): string | undefined {
  if (!isKubernetesObject(resource.type, resource.props)) return undefined;
  const metadata = isRecord(resource.props.metadata) ? resource.props.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : resource.name;
  const namespace = typeof metadata.namespace === "string" ? `${metadata.namespace}/` : "";
  return `${resource.props.kind} ${namespace}${name}`;
}

/**
 * @pulumi/kubernetes 4 replaces an object whose metadata.name or
 * metadata.namespace changes, and per kind the fields Kubernetes does not let
 * it change in place (a Job's template, completions, parallelism and
 * selector; a StatefulSet's volumeClaimTemplates, selector, serviceName,
 * podManagementPolicy and revisionHistoryLimit; a claim's storage class,
 * access modes, selector and volume name; …). ConfigMaps and Secrets are
 * replaced when their contents change, because the provider leaves
 * enableConfigMapMutable and enableSecretMutable off unless asked.
 */
const REPLACED_ON_CHANGE_OF_METADATA = ["metadata.name", "metadata.namespace"];

const REPLACED_ON_CHANGE: Record<string, string[]> = {
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

function replacementPaths(type: string): string[] | undefined {
  if (!isKubernetes(type) || type.startsWith(`${PROVIDER}helm`)) return undefined;
  const kind = type.slice(PROVIDER.length);
  return [...REPLACED_ON_CHANGE_OF_METADATA, ...(REPLACED_ON_CHANGE[kind] ?? [])];
}

export const kubernetesResourceViews: ResourceViews = {
  podTemplate,
  object,
  role: (resource) => ROLES[resource.type],
  selectsPods: (resource, labels) =>
    ROLES[resource.type] === "disruption-budget"
      ? selectorMatches(valueAt(resource.props, "spec", "selector"), labels)
      : undefined,
  statefulStorage,
  labels,
  storedSecrets,
  displayName,
  replacementPaths,
};
