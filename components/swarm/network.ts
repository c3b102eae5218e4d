/**
 * The platform's own overlay network. Every service joins it under its
 * workload's name, so Swarm's DNS resolves `postgres` or `model-serving` on
 * every node; it is attachable, so an operator's one-off container
 * (`docker run --network …`) can reach the services for debugging.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { labelList, recommendedLabels } from "../docker/labels";

export class OverlayNetwork extends pulumi.ComponentResource {
  readonly networkId: pulumi.Output<string>;

  constructor(name: string, args: { instance: string }, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Network", name, {}, opts);
    const network = new docker.Network(
      `${name}-overlay`,
      {
        name: args.instance,
        driver: "overlay",
        attachable: true,
        labels: labelList(recommendedLabels({ instance: args.instance, name: args.instance, component: "network" })),
      },
      // A fixed name cannot exist twice: a replacement deletes first.
      { parent: this, deleteBeforeReplace: true },
    );
    this.networkId = network.id;
    this.registerOutputs({ networkId: this.networkId });
  }
}
