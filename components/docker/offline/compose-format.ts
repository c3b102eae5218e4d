/**
 * Reading the Docker provider's inputs and writing them in the Compose file
 * format, which both compose.yaml (docker target) and docker-stack.yml (swarm
 * target, `docker stack deploy`) are written in.
 */

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function strings(value: unknown): string[] {
  return list(value).map(String);
}

/** The provider's `[{ label, value }]` as the file's label mapping; undefined when there is none. */
export function labelMap(value: unknown): Record<string, string> | undefined {
  const labels = list(value).map(record);
  if (labels.length === 0) return undefined;
  return Object.fromEntries(labels.map((label) => [String(label.label), String(label.value)]));
}

/** Compose interpolates `$` everywhere; the plan's own dollars (shell scripts) must reach the container as they are. */
export function escapeDollars(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\$/g, "$$$$");
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, escapeDollars(item)]));
  return value;
}

/** Drops undefined fields, so the file holds only what is set. */
export function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => [key, compact(item)]),
    );
  }
  return value;
}
