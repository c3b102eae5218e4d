/**
 * Scheduling priority: the platform's own pods (database, server, workers,
 * serving, training) come before flow-run executors. When a node is full, the
 * scheduler evicts executors to place a platform pod; executors never evict
 * anything (preemptionPolicy Never), they wait. PriorityClasses are
 * cluster-wide, so their names carry the instance.
 */
import * as pulumi from "@pulumi/pulumi";
import { PriorityClass } from "@pulumi/kubernetes/scheduling/v1";
import { objectLabels } from "./labels";

/** Far below the cluster's own classes (system-cluster-critical is 2000000000), above default pods (0). */
export const PLATFORM_PRIORITY = 100000;
/** The same as pods without a class: executors queue behind everything else and push nothing out. */
export const EXECUTOR_PRIORITY = 0;

export function priorityClassNames(instance: string): { platform: string; executors: string } {
  return { platform: `${instance}-platform`, executors: `${instance}-executors` };
}

export interface PlatformPrioritiesArgs {
  instance: string;
}

export class PlatformPriorities extends pulumi.ComponentResource {
  readonly platform: PriorityClass;
  readonly executors: PriorityClass;
  /** Plain names: the executors' job template is a file; pods wait for these objects through dependsOn. */
  readonly names: { platform: string; executors: string };

  constructor(name: string, args: PlatformPrioritiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Priorities", name, {}, opts);
    this.names = priorityClassNames(args.instance);
    const metadata = (className: string) => ({
      name: className,
      labels: objectLabels({ instance: args.instance, name: className, component: "priority" }),
    });
    this.platform = new PriorityClass(
      `${name}-platform`,
      {
        metadata: metadata(this.names.platform),
        value: PLATFORM_PRIORITY,
        preemptionPolicy: "PreemptLowerPriority",
        globalDefault: false,
        description: "ml-platform's own pods: scheduled before flow-run executors, which they may evict.",
      },
      { parent: this },
    );
    this.executors = new PriorityClass(
      `${name}-executors`,
      {
        metadata: metadata(this.names.executors),
        value: EXECUTOR_PRIORITY,
        preemptionPolicy: "Never",
        globalDefault: false,
        description: "ml-platform's flow-run executors: never evict another pod; wait for room instead.",
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}
