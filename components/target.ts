/**
 * The contract between the neutral platform and a target. A target is one
 * folder under components/ whose index exports `deployPlatform`; adding one
 * means adding a folder and an entry in the registry (components/registry.ts).
 * A target receives the neutral description and its own settings only: its
 * folder's settings.ts says which part of the stack config that is, and the
 * registry hands it over, so no target reads another's section or the shared
 * ones (what it needs of those is in the description).
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec } from "../platform/model";

export interface TargetArgs<Settings> {
  spec: PlatformSpec;
  /** The target's own settings (its config section), as its settings.ts selects them. */
  settings: Settings;
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

export type DeployPlatform<Settings> = (
  name: string,
  args: TargetArgs<Settings>,
  opts?: pulumi.ComponentResourceOptions,
) => PlatformEndpoints;
