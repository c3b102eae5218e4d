/**
 * The contract between the neutral platform and a target. A target is one
 * folder under components/ whose index exports `deployPlatform`; adding one
 * means adding a folder and a line in TARGET_LOADERS.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { PlatformSpec } from "../platform/model";

export interface TargetArgs {
  spec: PlatformSpec;
  /** The whole validated config; a target reads its own section (docker, kubernetes). */
  config: PlatformConfig;
}

/** What a user needs after `pulumi up`, whatever the target. */
export interface PlatformEndpoints {
  prefectUiUrl: pulumi.Input<string>;
  servingUrl: pulumi.Input<string>;
  workPool: string;
  /** The `user:password` Prefect's UI, CLI and clients log in with (a secret). */
  prefectAuthString: pulumi.Input<string>;
  /** A plain sentence saying how scheduled retraining runs on this target. */
  retraining: string;
}

export type DeployPlatform = (
  name: string,
  args: TargetArgs,
  opts?: pulumi.ComponentResourceOptions,
) => PlatformEndpoints;

/**
 * Loaded lazily so that each stack loads only its own provider SDK: the dev
 * stack never pays for @pulumi/kubernetes, prod never for @pulumi/docker.
 */
export const TARGET_LOADERS: Record<PlatformConfig["target"], () => Promise<DeployPlatform>> = {
  docker: async () => (await import("./docker")).deployPlatform,
  swarm: async () => (await import("./swarm")).deployPlatform,
  kubernetes: async () => (await import("./kubernetes")).deployPlatform,
};
