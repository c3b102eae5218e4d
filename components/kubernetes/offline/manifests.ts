/**
 * manifests/ of a Kubernetes render: one YAML file per object, as the
 * provider receives it (Secrets masked; their values go to secrets.yaml).
 */
import { stringify } from "yaml";
import { Render, RenderedResource } from "../../../tools/render/model";

export const MANIFESTS_DIRECTORY = "manifests";

/** Whether a rendered resource is a Kubernetes object (it has a kind), rather than a provider or a component. */
export function isKubernetesObject(resource: RenderedResource): boolean {
  return resource.type.startsWith("kubernetes:") && typeof resource.inputs.kind === "string";
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
  for (const resource of render.resources.filter(isKubernetesObject)) {
    const file = manifestFileName(resource);
    if (files.has(file)) throw new Error(`two Kubernetes objects render to ${file}`);
    files.set(file, stringify(resource.inputs, { sortMapEntries: true, lineWidth: 0 }));
  }
  return files;
}
