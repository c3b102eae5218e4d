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
  options: RenderedOptions;
}

export interface Render {
  project: string;
  stack: string;
  target: string;
  resources: RenderedResource[];
  outputs: Record<string, unknown>;
}

export const SECRET_MASK = "[secret]";

/**
 * Tools that compare two renders (diff, promote) set this variable to a random
 * key of their own for one run. Secrets then mask as "[secret:<fingerprint>]"
 * (an HMAC under that key), so a changed secret shows as changed while the
 * text means nothing outside that run. Unset, every secret is SECRET_MASK.
 */
export const SECRET_FINGERPRINT_KEY_VARIABLE = "ML_PLATFORM_RENDER_SECRET_KEY";

export function isKubernetesObject(resource: RenderedResource): boolean {
  return resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
}
