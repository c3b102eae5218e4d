/**
 * Labels on every Docker object the target creates. The keys are Kubernetes'
 * recommended app.kubernetes.io/* labels, so `docker ps --filter label=...`
 * and `kubectl get -l ...` select the same workloads on both targets.
 */
import * as pulumi from "@pulumi/pulumi";

export const PART_OF = "ml-platform";
export const MANAGED_BY = "pulumi";

/** Which platform object a Docker object belongs to. */
export interface WorkloadIdentity {
  /** The platform instance, e.g. "ml-platform-dev". */
  instance: string;
  /** The workload's neutral name, e.g. "postgres"; also its network alias. */
  name: string;
  /** Its role in the platform, e.g. "database". */
  component: string;
}

export function recommendedLabels(identity: WorkloadIdentity): Record<string, string> {
  return {
    "app.kubernetes.io/name": identity.name,
    "app.kubernetes.io/instance": identity.instance,
    "app.kubernetes.io/component": identity.component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/** Docker's label lists (containers, networks, volumes share the shape), sorted by key so renders are stable. */
export function labelList(
  labels: Record<string, pulumi.Input<string>>,
): { label: string; value: pulumi.Input<string> }[] {
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, value: labels[label] }));
}
