/**
 * manifests/ of a Kubernetes render: one YAML file per object, as the
 * provider receives it (Secrets masked; their values go to secrets.yaml).
 */
import { stringify } from "yaml";
import { Render, RenderedResource } from "../../../tools/render/model";
import { isKubernetesObject } from "../resource-views";

export const MANIFESTS_DIRECTORY = "manifests";

/** Whether a rendered resource is a Kubernetes object, which gets a manifest. */
export function isRenderedObject(resource: RenderedResource): boolean {
  return isKubernetesObject(resource.type, resource.inputs);
}

export function manifestFileName(resource: RenderedResource): string {
  const metadata = (resource.inputs.metadata ?? {}) as { name?: string; namespace?: string };
  const parts = [String(resource.inputs.kind), metadata.namespace ?? "cluster", metadata.name ?? resource.name];
  return `${parts
    .join("_")
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, "-")}.yaml`;
}

/** File name -> manifest text, for every Kubernetes object of the render. */
export function manifests(render: Render): Map<string, string> {
  const files = new Map<string, string>();
  for (const resource of render.resources.filter(isRenderedObject)) {
    const file = manifestFileName(resource);
    if (files.has(file)) throw new Error(`two Kubernetes objects render to ${file}`);
    files.set(file, stringify(resource.inputs, { sortMapEntries: true, lineWidth: 0 }));
  }
  return files;
}
