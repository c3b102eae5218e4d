/**
 * The order workloads are built in: each after the workloads its `after`
 * names, so their resources exist to depend on.
 */
import { PlatformSpec, Workload } from "../../platform/model";

export function allWorkloads(spec: PlatformSpec): Workload[] {
  return [...spec.services, ...spec.jobs, ...spec.schedules, ...spec.executorPools];
}

/** Workloads with every one after those it names, otherwise in spec order; unknown names and cycles are errors. */
export function workloadOrder(spec: PlatformSpec): Workload[] {
  const workloads = allWorkloads(spec);
  const names = new Set<string>();
  for (const workload of workloads) {
    if (names.has(workload.name)) throw new Error(`two workloads are named "${workload.name}"`);
    names.add(workload.name);
  }
  for (const workload of workloads) {
    for (const name of workload.after) {
      if (!names.has(name))
        throw new Error(`${workload.name} comes after "${name}", which is not a workload of the platform`);
    }
  }
  const ordered: Workload[] = [];
  const placed = new Set<string>();
  while (ordered.length < workloads.length) {
    const next = workloads.find(
      (workload) => !placed.has(workload.name) && workload.after.every((name) => placed.has(name)),
    );
    if (!next) {
      const stuck = workloads.filter((workload) => !placed.has(workload.name)).map((workload) => workload.name);
      throw new Error(`workloads wait for each other in a cycle: ${stuck.join(", ")}`);
    }
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}
