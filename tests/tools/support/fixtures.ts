/** Hand-made renders under tests/fixtures/diff/, in the shape of resources.json. */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../../../platform/project-root";
import { Render, RenderedOptions, RenderedResource } from "../../../tools/render/model";

export function loadRender(name: string): Render {
  return JSON.parse(
    fs.readFileSync(path.join(projectRoot(), "tests", "fixtures", "diff", `${name}.json`), "utf8"),
  ) as Render;
}

const NO_OPTIONS: RenderedOptions = {
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
  ignoreChanges: [],
  dependsOn: [],
};

/** A Kubernetes object as the render writes it, for renders built in a test. */
export function kubernetesObject(
  stack: string,
  kind: string,
  name: string,
  inputs: Record<string, unknown>,
  options: Partial<RenderedOptions> = {},
): RenderedResource {
  const type = `kubernetes:core/v1:${kind}`;
  const logical = `ml-platform-${name}-${kind.toLowerCase()}`;
  return {
    urn: `urn:pulumi:${stack}::ml-platform::${type}::${logical}`,
    type,
    name: logical,
    parent: `urn:pulumi:${stack}::ml-platform::pulumi:pulumi:Stack::ml-platform-${stack}`,
    inputs: { apiVersion: "v1", kind, metadata: { name, namespace: "ml-platform" }, ...inputs },
    options: { ...NO_OPTIONS, ...options },
  };
}

export function renderOf(stack: string, resources: RenderedResource[], outputs: Record<string, unknown> = {}): Render {
  return { project: "ml-platform", stack, target: "kubernetes", resources, outputs };
}
