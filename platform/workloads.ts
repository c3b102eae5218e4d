/**
 * The one loop over the platform's workloads that every target runs: each
 * workload after the workloads its `after` names, so their resources exist
 * to depend on, handed to the target's handler for its kind.
 */
import { PlatformSpec, Workload } from "./model";

/** The kinds of workload the neutral description has. */
export type WorkloadKind = Workload["kind"];

/** The workload of one kind. */
export type WorkloadOfKind<K extends WorkloadKind> = Extract<Workload, { kind: K }>;

/**
 * What a target does with each kind of workload. Every kind needs a handler,
 * so a kind added to the description is a type error in every target until
 * the target handles it.
 */
export type WorkloadHandlers = { [K in WorkloadKind]: (workload: WorkloadOfKind<K>) => void };

export function allWorkloads(spec: PlatformSpec): Workload[] {
  return [...spec.services, ...spec.jobs, ...spec.schedules, ...spec.executorPools];
}

/**
 * Workloads with every one after those it names, in spec order otherwise;
 * repeated names, unknown names and cycles are errors.
 */
export function workloadOrder(spec: PlatformSpec): Workload[] {
  const workloads = allWorkloads(spec);
  const byName = new Map<string, Workload>();
  for (const workload of workloads) {
    if (byName.has(workload.name)) throw new Error(`two workloads are named "${workload.name}"`);
    byName.set(workload.name, workload);
  }
  for (const workload of workloads) {
    for (const name of workload.after) {
      if (!byName.has(name))
        throw new Error(`${workload.name} comes after "${name}", which is not a workload of the platform`);
    }
  }
  const ordered: Workload[] = [];
  const visiting = new Set<string>();
  const visit = (workload: Workload, path: string[]): void => {
    if (ordered.includes(workload)) return;
    if (visiting.has(workload.name))
      throw new Error(`workloads wait for each other in a cycle: ${[...path, workload.name].join(" -> ")}`);
    visiting.add(workload.name);
    workload.after.forEach((name) => visit(byName.get(name) as Workload, [...path, workload.name]));
    visiting.delete(workload.name);
    ordered.push(workload);
  };
  workloads.forEach((workload) => visit(workload, []));
  return ordered;
}

/** Hands every workload, in workloadOrder, to the handler for its kind. */
export function forEachWorkload(spec: PlatformSpec, handlers: WorkloadHandlers): void {
  for (const workload of workloadOrder(spec)) {
    switch (workload.kind) {
      case "service":
        handlers.service(workload);
        break;
      case "job":
        handlers.job(workload);
        break;
      case "schedule":
        handlers.schedule(workload);
        break;
      case "executorPool":
        handlers.executorPool(workload);
        break;
      default:
        unhandled(workload);
    }
  }
}

/** A kind the switch above misses does not compile. */
function unhandled(workload: never): never {
  throw new Error(`a workload of unknown kind: ${JSON.stringify(workload)}`);
}
