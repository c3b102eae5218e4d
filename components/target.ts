/**
 * The contract between the neutral platform and a target. A target is one
 * folder under components/ whose index exports `deployPlatform`; adding one
 * means adding a folder and an entry in the registry (components/registry.ts).
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
