/** The value at a property path inside parsed JSON or YAML, or undefined where the path ends early. */
export function field(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((current, key) => (current as Record<string, unknown> | undefined)?.[key], value);
}
