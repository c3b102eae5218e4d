/**
 * The one list of targets, and what the rest of the program may know about a
 * target without loading it. Targets import the contract (target.ts), never
 * this list, so nothing imports in a circle.
 */
import { PlatformConfig } from "../config/schema";
import { DeployPlatform } from "./target";

export interface TargetEntry {
  /** Loaded lazily so that each stack loads only its own provider SDK: dev never pays for @pulumi/kubernetes. */
  load: () => Promise<DeployPlatform>;
  /** Whether the target runs an autoscaler: serving's autoscaling bounds apply there, elsewhere its fixed replica count. */
  autoscales: boolean;
}

export const TARGETS: Record<PlatformConfig["target"], TargetEntry> = {
  docker: { load: async () => (await import("./docker")).deployPlatform, autoscales: false },
  swarm: { load: async () => (await import("./swarm")).deployPlatform, autoscales: false },
  kubernetes: { load: async () => (await import("./kubernetes")).deployPlatform, autoscales: true },
};
