/** The shape of a render, as written to <out>/<stack>/resources.json. */

export interface RenderedOptions {
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  dependsOn: string[];
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

export function isKubernetesObject(resource: RenderedResource): boolean {
  return resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
}
