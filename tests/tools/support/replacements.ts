/**
 * Two versions of one resource, diffed offline the way the diff compares two
 * renders: what a target's replacement rules make of a change.
 */
import * as assert from "assert";
import { diffRenders } from "../../../tools/diff/compare-renders";
import { ResourceChange } from "../../../tools/diff/model";
import { formatPath } from "../../../tools/diff/properties";
import { Render, RenderedOptions, RenderedResource } from "../../../tools/render/model";

const OPTIONS: RenderedOptions = {
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
  ignoreChanges: [],
  dependsOn: [],
};

export function resourceOf(type: string, inputs: Record<string, unknown>, options: Partial<RenderedOptions> = {}) {
  const resource: RenderedResource = {
    urn: `urn:pulumi:test::ml-platform::${type}::subject`,
    type,
    name: "subject",
    parent: null,
    inputs,
    options: { ...OPTIONS, ...options },
  };
  return resource;
}

export function renderWith(resource: RenderedResource): Render {
  return { project: "ml-platform", stack: "test", target: "test", resources: [resource], outputs: {} };
}

/** The one resource change between two versions of a resource. */
export function changeOf(before: RenderedResource, after: RenderedResource): ResourceChange {
  const diff = diffRenders("test", renderWith(before), renderWith(after));
  assert.strictEqual(diff.resources.length, 1, JSON.stringify(diff.resources));
  return diff.resources[0];
}

export function replacing(change: ResourceChange): string[] {
  return change.properties.filter((property) => property.replaces).map((property) => formatPath(property.path));
}
