/**
 * Pieces every addon's manifests share: a ServiceAccount bound to its own
 * ClusterRole, and the locked-down container settings the addons run with.
 */
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IPolicyRule } from "kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

/** The label every addon object carries, so `kubectl get -l` finds what the suite installed. */
export const ADDON_LABEL = "ml-platform.addon";

export function addonLabels(addon: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [ADDON_LABEL]: addon, ...extra };
}

/** A ServiceAccount and a ClusterRole of the same name, bound together. */
export function clusterIdentity(
  addon: string,
  name: string,
  namespace: string,
  rules: IPolicyRule[],
): [IServiceAccount, IClusterRole, IClusterRoleBinding] {
  const labels = addonLabels(addon);
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace, labels } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name, labels }, rules },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  ];
}

/**
 * The restricted Pod Security profile's container settings: no capabilities beyond `add`, no privilege escalation,
 * a read-only root filesystem.
 */
export function lockedDown(add: string[] = []): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"], ...(add.length > 0 ? { add } : {}) },
  };
}
