/**
 * Every target's resource views as one: each question goes to the targets in
 * the registry's order and takes the first answer, since a resource type is
 * read by the one target that owns it. The policies and the offline tools read
 * resources only through this.
 */
import { TARGETS } from "./registry";
import { ResourceViews, ViewedResource } from "./resource-views";

const EVERY_TARGET: ResourceViews[] = Object.values(TARGETS).map((target) => target.resourceViews);

function firstAnswer<T>(ask: (views: ResourceViews) => T | undefined): T | undefined {
  for (const views of EVERY_TARGET) {
    const answer = ask(views);
    if (answer !== undefined) return answer;
  }
  return undefined;
}

export const TARGET_VIEWS: Required<ResourceViews> = {
  container: (resource) => firstAnswer((views) => views.container?.(resource)),
  podTemplate: (resource) => firstAnswer((views) => views.podTemplate?.(resource)),
  object: (resource) => firstAnswer((views) => views.object?.(resource)),
  role: (resource) => firstAnswer((views) => views.role?.(resource)),
  selectsPods: (resource: ViewedResource, labels: Record<string, unknown>) =>
    firstAnswer((views) => views.selectsPods?.(resource, labels)),
  statefulStorage: (resource) => firstAnswer((views) => views.statefulStorage?.(resource)),
  labels: (resource) => firstAnswer((views) => views.labels?.(resource)),
  storedSecrets: (resource) => firstAnswer((views) => views.storedSecrets?.(resource)),
  displayName: (resource) => firstAnswer((views) => views.displayName?.(resource)),
  replacementPaths: (type) => firstAnswer((views) => views.replacementPaths?.(type)),
};
