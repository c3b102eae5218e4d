/** What a diff between two renders of one stack is made of. */

/** One step into a resource's inputs: a key, a list index, or a list item found by its identity. */
export type PathSegment =
  { kind: "key"; key: string } | { kind: "index"; index: number } | { kind: "item"; field: string; value: string };

/** Resource options are compared too: protect, dependsOn… */
export type PropertyScope = "input" | "option" | "output";

export interface PropertyChange {
  scope: PropertyScope;
  path: PathSegment[];
  /** undefined when the property is new. */
  before?: unknown;
  /** undefined when the property is gone. */
  after?: unknown;
  /** The provider cannot change this property in place: it replaces the resource. */
  replaces?: boolean;
}

/** "replace": the provider deletes the resource and creates a new one (a new, empty volume; a Job run again). */
export type ResourceAction = "add" | "change" | "replace" | "remove";

export interface ResourceChange {
  action: ResourceAction;
  urn: string;
  type: string;
  /** The name a user recognises, e.g. "Deployment ml-platform/model-serving". */
  displayName: string;
  /** For "replace": the resource is protected now, so the engine refuses to delete it and the update stops. */
  protected?: boolean;
  /** For "change" and "replace": what differs. For "add" and "remove": every property the resource has (or had). */
  properties: PropertyChange[];
}

export interface StackDiff {
  stack: string;
  /** The target of each side; undefined when that side has no such stack. */
  targetBefore?: string;
  targetAfter?: string;
  resources: ResourceChange[];
  outputs: PropertyChange[];
  unchanged: number;
  /** What a reader must know to read this diff right, e.g. that the base did not render. */
  notes?: string[];
}

/** A stack that could not be compared, and why. */
export interface StackFailure {
  stack: string;
  message: string;
}

export type StackResult = { ok: true; diff: StackDiff } | { ok: false; failure: StackFailure };

export function hasChanges(diff: StackDiff): boolean {
  return diff.resources.length > 0 || diff.outputs.length > 0 || diff.targetBefore !== diff.targetAfter;
}

export interface ChangeCounts {
  add: number;
  change: number;
  replace: number;
  remove: number;
}

export function countChanges(diff: StackDiff): ChangeCounts {
  const counts: ChangeCounts = { add: 0, change: 0, replace: 0, remove: 0 };
  for (const resource of diff.resources) counts[resource.action]++;
  return counts;
}
