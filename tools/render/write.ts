/**
 * Writes a render to disk: resources.json and graph.mmd for every target, then
 * what the target's offline part writes (its deployable files, with the kept
 * passwords in .env). Files are written to a sibling folder and swapped in
 * whole, so a failed render never leaves a half-written result.
 */
import * as fs from "fs";
import * as path from "path";
import { threadId } from "worker_threads";
import type { TargetOfflineRender } from "../../components/offline-render";
import { SECRETS_FILE } from "./generated-passwords";
import { Render, RenderedResource } from "./model";

export function resourcesJson(render: Render): string {
  const { project, stack, target, resources, outputs } = render;
  const document = {
    project,
    stack,
    target,
    resources: resources.map(({ urn, type, name, parent, inputs, options }) => ({
      urn,
      type,
      name,
      parent,
      inputs,
      options,
    })),
    outputs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function mermaidLabel(resource: RenderedResource): string {
  const shortType = resource.type.split(":").pop() ?? resource.type;
  return `${resource.name}<br/><small>${shortType}</small>`.replace(/"/g, "'");
}

export function mermaidGraph(render: Render): string {
  const ids = new Map(render.resources.map((resource, index) => [resource.urn, `r${index}`]));
  const lines = ["flowchart LR", `  stack(["${render.project} / ${render.stack}"])`];
  for (const resource of render.resources) {
    const id = ids.get(resource.urn) as string;
    const label = mermaidLabel(resource);
    lines.push(resource.custom ? `  ${id}["${label}"]` : `  ${id}[["${label}"]]`);
  }
  for (const resource of render.resources) {
    const parent = resource.parent ? (ids.get(resource.parent) ?? "stack") : "stack";
    lines.push(`  ${parent} --> ${ids.get(resource.urn)}`);
    for (const dependency of resource.options.dependsOn) {
      const from = ids.get(dependency);
      if (from) lines.push(`  ${from} -.-> ${ids.get(resource.urn)}`);
    }
  }
  lines.push("  classDef component fill:#eef,stroke:#557;");
  const components = render.resources.filter((resource) => !resource.custom).map((resource) => ids.get(resource.urn));
  if (components.length > 0) lines.push(`  class ${components.join(",")} component;`);
  return `${lines.join("\n")}\n`;
}

/** A render that cannot be written where it was asked to go; nothing was removed or written. */
export class RenderOutputError extends Error {}

/**
 * The folder a stack's render owns, <out>/<stack>: it must be a direct child
 * of the output folder (a stack named "." or ".." would name the output
 * folder or its parent), and what is there already must be an earlier render,
 * since writing the new one removes it.
 */
export function ownedRenderFolder(outDir: string, stack: string): string {
  const root = path.resolve(outDir);
  const target = path.resolve(root, stack);
  if (path.dirname(target) !== root || path.basename(target) !== stack) {
    throw new RenderOutputError(`the render of "${stack}" would not be a folder inside ${root}; nothing was written`);
  }
  if (fs.existsSync(target)) {
    const isEarlierRender =
      fs.lstatSync(target).isDirectory() &&
      (fs.readdirSync(target).length === 0 || fs.existsSync(path.join(target, "resources.json")));
    if (!isEarlierRender) {
      throw new RenderOutputError(
        `${target} exists and is not an earlier render (no resources.json); the render replaces that folder, so it leaves it alone and writes nothing`,
      );
    }
  }
  return target;
}

/** Writes the render into <out>/<stack>; `offline` is its target's offline part (none: the generic files only). */
export function writeRender(render: Render, outDir: string, offline?: TargetOfflineRender): string {
  const target = ownedRenderFolder(outDir, render.stack);
  // Unique to this thread: renders run side by side in one process too (the command thread).
  const staging = `${target}.tmp-${process.pid}-${threadId}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  fs.writeFileSync(path.join(staging, "resources.json"), resourcesJson(render));
  fs.writeFileSync(path.join(staging, "graph.mmd"), mermaidGraph(render));
  const previousSecrets = path.join(target, SECRETS_FILE);
  const existing = fs.existsSync(previousSecrets) ? fs.readFileSync(previousSecrets, "utf8") : undefined;
  offline?.writeFiles(render, staging, existing);
  fs.rmSync(target, { recursive: true, force: true });
  fs.renameSync(staging, target);
  return target;
}
