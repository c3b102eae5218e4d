/**
 * How rendered values are compared and shown. A render masks every secret as
 * "[secret]", or as "[secret:<fingerprint>]" when the comparing tool asked for
 * per-run fingerprints; only the mask itself is ever shown.
 */
import { SECRET_MASK } from "../render/model";

const MASKED_SECRET = /^\[secret(?::([0-9a-f]+))?\]$/;

export function isMaskedSecret(value: unknown): value is string {
  return typeof value === "string" && MASKED_SECRET.test(value);
}

function fingerprintOf(value: string): string | undefined {
  return MASKED_SECRET.exec(value)?.[1];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Deep equality where two masked secrets are equal unless both carry
 * fingerprints that differ: without fingerprints a change cannot be seen.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isMaskedSecret(a) && isMaskedSecret(b)) {
    const [left, right] = [fingerprintOf(a), fingerprintOf(b)];
    return left === undefined || right === undefined || left === right;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return a === b;
}

/** The value with every secret reduced to the plain mask. */
export function masked(value: unknown): unknown {
  if (isMaskedSecret(value)) return SECRET_MASK;
  if (Array.isArray(value)) return value.map(masked);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, masked(item)]));
  return value;
}

const LONG_VALUE = 160;

/** One-line display of a value: JSON, secrets masked, long values shortened in the middle. */
export function showValue(value: unknown): string {
  if (value === undefined) return "(none)";
  if (isMaskedSecret(value)) return SECRET_MASK;
  const text = JSON.stringify(masked(value));
  if (text.length <= LONG_VALUE) return text;
  const keep = (LONG_VALUE - 20) / 2;
  return `${text.slice(0, keep)}…(${text.length} chars)…${text.slice(-keep)}`;
}

export function isMultiline(value: unknown): value is string {
  return typeof value === "string" && !MASKED_SECRET.test(value) && value.includes("\n");
}
