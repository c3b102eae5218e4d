/**
 * Reading a service's replicas on a target: how many a target without an
 * autoscaler runs, and whether clients need one address in front of them.
 */
import { ServiceSpec } from "./model";

/**
 * The count a target without an autoscaler runs. The description gives such a
 * target fixed counts only, so bounds here mean the registry says otherwise.
 */
export function fixedReplicaCount(service: ServiceSpec): number {
  if (service.replicas.mode !== "fixed") {
    throw new Error(
      `${service.name} is autoscaled (${service.replicas.min}-${service.replicas.max} replicas), but this target runs no autoscaler; its registry entry must not say it autoscales`,
    );
  }
  return service.replicas.count;
}

/** Whether a service runs, or may come to run, several replicas: then clients reach it through one address in front. */
export function mayRunSeveral(service: ServiceSpec): boolean {
  return service.scalable || service.replicas.mode === "autoscaled" || service.replicas.count > 1;
}
