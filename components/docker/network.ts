/**
 * The platform's own bridge network. Every workload container joins it under
 * its workload's name, so Docker's embedded DNS resolves `postgres` or
 * `model-serving` to that workload's containers, and nothing else on the host
 * shares the network.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { labelList, recommendedLabels } from "./labels";

export interface PlatformNetworkArgs {
  /** The platform instance, e.g. "ml-platform-dev"; labels the network. */
  instance: string;
}

export class PlatformNetwork extends pulumi.ComponentResource {
  /** The network's name, which containers' networksAdvanced refer to. */
  readonly networkName: pulumi.Output<string>;

  constructor(name: string, args: PlatformNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Network", name, {}, opts);
    // No fixed name: a replacement network is created before the old one goes, and containers move over to it.
    const network = new docker.Network(
      `${name}-bridge`,
      {
        driver: "bridge",
        labels: labelList(recommendedLabels({ instance: args.instance, name: args.instance, component: "network" })),
      },
      { parent: this },
    );
    this.networkName = network.name;
    this.registerOutputs({ networkName: this.networkName });
  }
}
