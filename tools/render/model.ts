/** The shape of a render, as written to <out>/<stack>/resources.json. */

export interface RenderedOptions {
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  dependsOn: string[];
  /** URN of the explicit provider a custom resource uses (tools/diff reads it; run.ts does not fill it yet). */
  provider?: string;
}

export interface RenderedResource {
  urn: string;
  type: string;
  name: string;
  parent: string | null;
  /** Custom resources talk to a provider; components only group. Not written to resources.json. */
  custom?: boolean;
  inputs: Record<string, unknown>;
  /**
   * For the resource types whose secrets the target's deployable files place
   * (TargetOfflineRender.placesSecrets), the same inputs with each secret kept
   * as a SecretValue holding the mock value, for the writer that must place
   * secrets rather than mask them. In memory only: never written to resources.json.
   */
  secretAwareInputs?: Record<string, unknown>;
  options: RenderedOptions;
}

/** A secret input value as the mocks saw it; only writers that never print it may read it. */
export class SecretValue {
  constructor(readonly mockValue: unknown) {}
}

/** A password the program generates with @pulumi/random, and the stand-in value it had in this render. */
export interface GeneratedSecret {
  /** The RandomPassword resource's name. */
  resource: string;
  length: number;
  mockValue: string;
}

export interface Render {
  project: string;
  stack: string;
  target: string;
  resources: RenderedResource[];
  outputs: Record<string, unknown>;
  /** In memory only, like secretAwareInputs. */
  generatedSecrets?: GeneratedSecret[];
}

export const SECRET_MASK = "[secret]";

/**
 * Tools that compare two renders (diff, promote) set this variable to a random
 * key of their own for one run. Secrets then mask as "[secret:<fingerprint>]"
 * (an HMAC under that key), so a changed secret shows as changed while the
 * text means nothing outside that run. Unset, every secret is SECRET_MASK.
 */
export const SECRET_FINGERPRINT_KEY_VARIABLE = "ML_PLATFORM_RENDER_SECRET_KEY";
