/**
 * Which changed properties make a provider replace a resource (delete it and
 * create a new one) instead of updating it in place. A replaced volume or
 * claim starts empty, and a replaced Job runs again, so a reviewer must see a
 * replacement as one. The rules are the providers' own, for the versions this
 * project pins, and each target keeps those of the resources it owns
 * (replacementPaths in its resource views).
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { PathSegment, PropertyChange } from "./model";

/** The paths whose change replaces a resource of this type ("*" stands for every input); empty when every change is in place. */
export function forceNewPaths(type: string): string[] {
  return TARGET_VIEWS.replacementPaths(type) ?? [];
}

function keyPrefix(path: PathSegment[]): string[] {
  const keys: string[] = [];
  for (const segment of path) {
    if (segment.kind !== "key") break;
    keys.push(segment.key);
  }
  return keys;
}

/** Whether changing this input replaces a resource of `type`. Options never do. */
export function forcesReplacement(type: string, change: PropertyChange): boolean {
  if (change.scope !== "input") return false;
  const keys = keyPrefix(change.path);
  return forceNewPaths(type).some((rule) => {
    if (rule === "*") return true;
    const parts = rule.split(".");
    // A change at the rule's path or below it; or the change of a whole parent object that holds it.
    const shared = Math.min(parts.length, keys.length);
    return shared > 0 && parts.slice(0, shared).every((part, index) => part === keys[index]);
  });
}
