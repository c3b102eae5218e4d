/**
 * What every workload component of the Swarm target needs from the platform
 * around it: the overlay network, the volumes, the Swarm secrets and configs
 * that carry files, the service directory and the update settings. Built once
 * by SwarmPlatform.
 */
import * as pulumi from "@pulumi/pulumi";
import { ServiceDirectory } from "../docker/addresses";
import { SwarmFiles } from "./files";

export interface SwarmContext {
  /** Instance label shared by every object, e.g. "ml-platform-staging". */
  instance: string;
  /** The overlay network's ID; every service joins it under its workload's name. */
  networkId: pulumi.Input<string>;
  /** Platform volumes (data, models, postgres-data) by neutral name: the Docker volume name to mount. */
  volumes: Record<string, pulumi.Input<string>>;
  /** The driver the volumes were created with, so a task on another node creates its copy alike. */
  volumeDriver: string;
  /** Secrets and bundle files as Swarm objects. */
  files: SwarmFiles;
  addresses: ServiceDirectory;
  /** Placement constraint that pins stateful services to the labelled node. */
  databaseConstraint: string;
  publishMode: "ingress" | "host";
  endpointMode: "vip" | "dnsrr";
  updateDelaySeconds: number;
  monitorSeconds: number;
}

export function volumeName(context: SwarmContext, volume: string): pulumi.Input<string> {
  const name = context.volumes[volume];
  if (name === undefined) {
    const known = Object.keys(context.volumes).sort().join(", ") || "none";
    throw new Error(`no volume named "${volume}" in the platform (volumes: ${known})`);
  }
  return name;
}
