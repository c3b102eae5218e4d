/**
 * Compares two property trees and lists every difference by path. Lists whose
 * items carry an identity (a container's name, a volume's mount path, an
 * environment entry "KEY=value") are compared item by item, so a reordered or
 * inserted entry shows as exactly that.
 */
import { align } from "./align";
import { PathSegment, PropertyChange, PropertyScope } from "./model";
import { isMaskedSecret, isRecord, sameValue } from "./values";

/** Fields that identify an item in a list, in order of preference. */
const IDENTITY_FIELDS = ["name", "label", "containerPath", "mountPath", "file", "target", "key", "internal"];

/** A Docker environment entry, "KEY=value". */
const ENVIRONMENT_ENTRY = /^([A-Za-z_][A-Za-z0-9_.-]*)=/;

type Identify = (item: unknown) => string;

function uniqueIdentities(items: unknown[], identify: Identify): boolean {
  const seen = items.map(identify);
  return new Set(seen).size === seen.length;
}

/** How the items of two lists are identified, or undefined when they are compared by position. */
function identityOf(before: unknown[], after: unknown[]): { field: string; identify: Identify } | undefined {
  const items = [...before, ...after];
  if (items.length === 0) return undefined;
  for (const field of IDENTITY_FIELDS) {
    const identify: Identify = (item) => String((item as Record<string, unknown>)[field]);
    const carries = items.every(
      (item) => isRecord(item) && (typeof item[field] === "string" || typeof item[field] === "number"),
    );
    if (carries && uniqueIdentities(before, identify) && uniqueIdentities(after, identify)) return { field, identify };
  }
  const environment = items.every((item) => typeof item === "string" && ENVIRONMENT_ENTRY.test(item));
  if (environment) {
    const identify: Identify = (item) => (ENVIRONMENT_ENTRY.exec(item as string) as RegExpExecArray)[1];
    if (uniqueIdentities(before, identify) && uniqueIdentities(after, identify)) return { field: "", identify };
  }
  return undefined;
}

function diffLists(before: unknown[], after: unknown[], path: PathSegment[], scope: PropertyScope): PropertyChange[] {
  const identity = identityOf(before, after);
  if (identity) {
    const beforeById = new Map(before.map((item) => [identity.identify(item), item]));
    const afterById = new Map(after.map((item) => [identity.identify(item), item]));
    const ids = [...afterById.keys(), ...[...beforeById.keys()].filter((id) => !afterById.has(id))];
    return ids.flatMap((id) =>
      diffValues(
        beforeById.get(id),
        afterById.get(id),
        [...path, { kind: "item", field: identity.field, value: id }],
        scope,
      ),
    );
  }
  return align(before, after, sameValue).flatMap((step): PropertyChange[] => {
    switch (step.kind) {
      case "same":
        return [];
      case "changed":
        return diffValues(
          before[step.before],
          after[step.after],
          [...path, { kind: "index", index: step.after }],
          scope,
        );
      case "removed":
        return [{ scope, path: [...path, { kind: "index", index: step.before }], before: before[step.before] }];
      case "added":
        return [{ scope, path: [...path, { kind: "index", index: step.after }], after: after[step.after] }];
    }
  });
}

/** Every difference between two values, by path; equal masked secrets count as equal. */
export function diffValues(
  before: unknown,
  after: unknown,
  path: PathSegment[] = [],
  scope: PropertyScope = "input",
): PropertyChange[] {
  if (sameValue(before, after)) return [];
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffValues(before[key], after[key], [...path, { kind: "key", key }], scope));
  }
  if (Array.isArray(before) && Array.isArray(after)) return diffLists(before, after, path, scope);
  return [{ scope, path, before, after }];
}

/** Every leaf of a value with its path, for showing what a new or deleted resource holds. */
export function leaves(value: unknown, path: PathSegment[] = []): Array<{ path: PathSegment[]; value: unknown }> {
  if (isMaskedSecret(value)) return [{ path, value }];
  if (isRecord(value) && Object.keys(value).length > 0) {
    return Object.keys(value)
      .sort()
      .flatMap((key) => leaves(value[key], [...path, { kind: "key", key }]));
  }
  if (Array.isArray(value) && value.length > 0) {
    const identity = identityOf(value, []);
    if (!identity) return value.flatMap((item, index) => leaves(item, [...path, { kind: "index", index }]));
    return value.flatMap((item) => {
      const itemPath: PathSegment[] = [
        ...path,
        { kind: "item", field: identity.field, value: identity.identify(item) },
      ];
      const all = leaves(item, itemPath);
      // The path already names the item; its identity field would only repeat it.
      const rest = all.filter(({ path: leafPath }) => {
        const last = leafPath[leafPath.length - 1];
        return !(leafPath.length === itemPath.length + 1 && last.kind === "key" && last.key === identity.field);
      });
      return rest.length > 0 ? rest : all;
    });
  }
  return [{ path, value }];
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** spec.template.spec.containers[name=serving].env[name=PORT].value; odd keys quoted: metadata.annotations["pulumi.com/skipAwait"]. */
export function formatPath(path: PathSegment[]): string {
  return path
    .map((segment, position) => {
      if (segment.kind === "index") return `[${segment.index}]`;
      if (segment.kind === "item") return segment.field ? `[${segment.field}=${segment.value}]` : `[${segment.value}]`;
      if (PLAIN_KEY.test(segment.key)) return position === 0 ? segment.key : `.${segment.key}`;
      return `[${JSON.stringify(segment.key)}]`;
    })
    .join("");
}
