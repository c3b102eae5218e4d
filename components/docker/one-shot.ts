/**
 * A container that runs once to completion on the platform's network, after
 * the resources it waits for: `pulumi up` waits for its exit and fails with
 * its exit code and log tail if it fails. It runs again whenever its inputs
 * change, so a registration follows its settings.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../../platform/model";
import { baseContainerArgs, containerDependencies, prepareContainer } from "./container";
import { PlatformContext } from "./context";
import { requireSuccess, RUN_TO_COMPLETION } from "./run-result";

export interface OneShotOptions {
  /** The name and component its labels give it. */
  workload: { name: string; component: string };
  context: PlatformContext;
  after: pulumi.Input<pulumi.Resource[]>;
  parent: pulumi.Resource;
  /** What it does, for the failure message ("Registering work pool ml-pool"). */
  what: string;
}

export interface OneShot {
  run: docker.Container;
  /** Resolves once it exited 0; rejects with its exit code and log tail otherwise. */
  ready: pulumi.Output<pulumi.Resource[]>;
}

export function runOnce(name: string, container: ContainerSpec, options: OneShotOptions): OneShot {
  const { workload, context, after, parent } = options;
  const { identity, plan, delivery } = prepareContainer(name, container, { workload, context, parent });
  const run = new docker.Container(
    name,
    {
      ...baseContainerArgs(container, { identity, context, plan, delivery, networkAlias: false }),
      ...RUN_TO_COMPLETION,
    },
    { parent, dependsOn: containerDependencies(after, container.mounts, context, delivery) },
  );
  return { run, ready: requireSuccess(`${options.what} (${name})`, run).apply(() => [run]) };
}
