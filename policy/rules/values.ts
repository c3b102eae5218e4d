/**
 * Reading untyped resource properties safely: a rule must never throw on a
 * shape it did not expect, only fail to find what it looks for.
 */
import { UNKNOWN_VALUE } from "./model";

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function recordAt(value: unknown, ...path: string[]): Record<string, unknown> {
  const found = valueAt(value, ...path);
  return isRecord(found) ? found : {};
}

export function listAt(value: unknown, ...path: string[]): unknown[] {
  const found = valueAt(value, ...path);
  return Array.isArray(found) ? found : [];
}

export function valueAt(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const part of path) {
    if (!isRecord(current)) return undefined;
    current = current[part];
  }
  return current;
}

export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const found = valueAt(value, ...path);
  return typeof found === "string" ? found : undefined;
}

/** A count as Kubernetes or Docker spell it: a number, or a numeric string. */
export function numberAt(value: unknown, ...path: string[]): number | undefined {
  const found = valueAt(value, ...path);
  if (typeof found === "number" && Number.isFinite(found)) return found;
  if (typeof found === "string" && /^-?\d+(\.\d+)?$/.test(found)) return Number(found);
  return undefined;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/** True when the value is present, known and not an empty string. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "" && !isUnknown(value);
}

export interface StringLeaf {
  /** Dotted path from the walked object, e.g. "spec.template.metadata.labels.app". */
  path: string;
  value: string;
}

/** Every string inside a value, with its path. */
export function stringLeaves(value: unknown, path = ""): StringLeaf[] {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringLeaves(item, `${path}[${index}]`));
  if (isRecord(value)) {
    return Object.entries(value).flatMap(([key, child]) => stringLeaves(child, path ? `${path}.${key}` : key));
  }
  return [];
}

export function joinPath(base: string, ...parts: string[]): string {
  return [base, ...parts].filter((part) => part !== "").join(".");
}
