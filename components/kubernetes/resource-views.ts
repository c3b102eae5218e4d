/**
 * Where Kubernetes objects keep the things the rules look at: pod templates in
 * every pod-bearing kind, containers, metadata and selectors.
 */
import { PolicySubject } from "../../policy/rules/model";
import { isRecord, joinPath, listAt, recordAt, stringAt, valueAt } from "../../policy/rules/values";

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

export const KUBERNETES = {
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  persistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
  persistentVolume: "kubernetes:core/v1:PersistentVolume",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  hpaV1: "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
  hpaV2: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
} as const;

/** Kinds whose replica count a Deployment-style controller (or an HPA) manages. */
export const SCALABLE_KINDS: Record<string, string> = {
  "kubernetes:apps/v1:Deployment": "Deployment",
  "kubernetes:apps/v1:StatefulSet": "StatefulSet",
  "kubernetes:apps/v1:ReplicaSet": "ReplicaSet",
  "kubernetes:core/v1:ReplicationController": "ReplicationController",
};

export function isKubernetes(subject: PolicySubject): boolean {
  return subject.type.startsWith("kubernetes:");
}

export function isHpa(subject: PolicySubject): boolean {
  return subject.type === KUBERNETES.hpaV1 || subject.type === KUBERNETES.hpaV2;
}

export interface PodTemplate {
  /** Dotted path of the pod spec inside the object, e.g. "spec.template.spec". */
  specPath: string;
  spec: Record<string, unknown>;
  metadata: Record<string, unknown>;
  metadataPath: string;
}

export function podTemplateOf(subject: PolicySubject): PodTemplate | undefined {
  const path = POD_TEMPLATE_PATHS[subject.type];
  if (!path) return undefined;
  const holder = path.length === 0 ? subject.props : valueAt(subject.props, ...path);
  if (!isRecord(holder)) return undefined;
  const base = path.join(".");
  return {
    specPath: joinPath(base, "spec"),
    spec: recordAt(holder, "spec"),
    metadata: recordAt(holder, "metadata"),
    metadataPath: joinPath(base, "metadata"),
  };
}

export interface Container {
  name: string;
  /** e.g. "spec.template.spec.containers[0]". */
  path: string;
  /** "containers", "initContainers" or "ephemeralContainers". */
  list: string;
  spec: Record<string, unknown>;
}

const CONTAINER_LISTS = ["initContainers", "containers", "ephemeralContainers"];

export function containersOf(template: PodTemplate, lists: string[] = CONTAINER_LISTS): Container[] {
  return lists.flatMap((list) =>
    listAt(template.spec, list)
      .filter(isRecord)
      .map((spec, index) => ({
        name: stringAt(spec, "name") ?? `#${index}`,
        path: `${template.specPath}.${list}[${index}]`,
        list,
        spec,
      })),
  );
}

/** Containers that run alongside the pod's lifetime and take resources (not ephemeral debug containers). */
export function runningContainersOf(template: PodTemplate): Container[] {
  return containersOf(template, ["initContainers", "containers"]);
}

export function describeContainer(container: Container): string {
  const role =
    container.list === "containers"
      ? "container"
      : container.list === "initContainers"
        ? "init container"
        : "ephemeral container";
  return `${role} "${container.name}" (${container.path})`;
}

/** The object's name: metadata.name, or the Pulumi resource name a render's mock would have given it. */
export function objectName(subject: PolicySubject): string {
  return stringAt(subject.props, "metadata", "name") ?? subject.name;
}

/** The object's namespace; an unset namespace is the provider's default, "default". */
export function objectNamespace(subject: PolicySubject): string {
  return stringAt(subject.props, "metadata", "namespace") ?? "default";
}

export function objectKind(subject: PolicySubject): string {
  return subject.type.split(":").pop() ?? subject.type;
}

interface LabelSelector {
  matchLabels?: unknown;
  matchExpressions?: unknown;
}

/** Whether a label selector selects an object carrying these labels (an empty selector selects nothing here). */
export function selectorMatches(selector: unknown, labels: Record<string, unknown>): boolean {
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
