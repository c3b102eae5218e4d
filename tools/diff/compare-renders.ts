/**
 * Two renders of one stack -> the resources added, removed and changed. A
 * resource is the same resource on both sides when its URN is the same, which
 * is how the Pulumi engine matches them too.
 */
import { Render, RenderedOptions, RenderedResource } from "../render/model";
import { PropertyChange, ResourceChange, StackDiff } from "./model";
import { displayName } from "./naming";
import { diffValues, leaves } from "./properties";
import { forcesReplacement } from "./replacements";

/** Display names, made unique with the logical name where two resources would read the same. */
function displayNames(resources: RenderedResource[]): Map<string, string> {
  const names = new Map(resources.map((resource) => [resource.urn, displayName(resource)]));
  const uses = new Map<string, number>();
  for (const name of names.values()) uses.set(name, (uses.get(name) ?? 0) + 1);
  for (const resource of resources) {
    const name = names.get(resource.urn) as string;
    if ((uses.get(name) ?? 0) > 1) names.set(resource.urn, `${name} (${resource.name})`);
  }
  return names;
}

/** Options as a user reads them: dependencies, provider and parent by display name rather than URN. */
function readableOptions(resource: RenderedResource, names: Map<string, string>): Record<string, unknown> {
  const options: RenderedOptions = resource.options;
  const nameOf = (urn: string) => names.get(urn) ?? urn.split("::").pop() ?? urn;
  return {
    ...options,
    dependsOn: options.dependsOn.map(nameOf).sort(),
    provider: options.provider === undefined ? undefined : nameOf(options.provider),
    parent: resource.parent ? nameOf(resource.parent) : null,
  };
}

function everyProperty(resource: RenderedResource, side: "before" | "after"): PropertyChange[] {
  return leaves(resource.inputs).map(({ path, value }) => ({ scope: "input", path, [side]: value }));
}

function byUrn(render: Render | undefined): Map<string, RenderedResource> {
  return new Map((render?.resources ?? []).map((resource) => [resource.urn, resource]));
}

export function diffRenders(stack: string, before: Render | undefined, after: Render | undefined): StackDiff {
  const [old, current] = [byUrn(before), byUrn(after)];
  // A resource on both sides is named as it is now.
  const names = displayNames([
    ...current.values(),
    ...[...old.values()].filter((resource) => !current.has(resource.urn)),
  ]);
  const resources: ResourceChange[] = [];
  let unchanged = 0;

  for (const [urn, resource] of current) {
    const previous = old.get(urn);
    const displayName = names.get(urn) as string;
    if (!previous) {
      resources.push({
        action: "add",
        urn,
        type: resource.type,
        displayName,
        properties: everyProperty(resource, "after"),
      });
      continue;
    }
    const properties = [
      ...diffValues(previous.inputs, resource.inputs, [], "input"),
      ...diffValues(readableOptions(previous, names), readableOptions(resource, names), [], "option"),
    ].map((change) => (forcesReplacement(resource.type, change) ? { ...change, replaces: true } : change));
    const action = properties.some((change) => change.replaces) ? "replace" : "change";
    if (properties.length === 0) unchanged++;
    else if (action === "change") resources.push({ action, urn, type: resource.type, displayName, properties });
    else {
      const isProtected = previous.options.protect === true;
      resources.push({ action, urn, type: resource.type, displayName, properties, protected: isProtected });
    }
  }
  for (const [urn, resource] of old) {
    if (current.has(urn)) continue;
    const displayName = names.get(urn) as string;
    resources.push({
      action: "remove",
      urn,
      type: resource.type,
      displayName,
      properties: everyProperty(resource, "before"),
    });
  }

  const order = { add: 0, change: 1, replace: 2, remove: 3 };
  resources.sort((a, b) => order[a.action] - order[b.action] || a.displayName.localeCompare(b.displayName));
  return {
    stack,
    targetBefore: before?.target,
    targetAfter: after?.target,
    resources,
    outputs: diffValues(before?.outputs ?? {}, after?.outputs ?? {}, [], "output"),
    unchanged,
  };
}
