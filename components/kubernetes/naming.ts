/**
 * Names the Kubernetes target derives: in-cluster DNS names, content hashes
 * for names that must change with what they hold, and DNS-label slugs.
 */
import * as crypto from "crypto";

const DNS_LABEL_MAX = 63;

/**
 * The fully qualified in-cluster name of a Service. The short name only
 * resolves inside the Service's own namespace; executors run in another one.
 */
export function serviceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

/** A short, stable hex digest of any JSON-serialisable value. */
export function contentHash(value: unknown, length = 10): string {
  return crypto.createHash("sha256").update(stableJson(value)).digest("hex").slice(0, length);
}

/** JSON with object keys sorted, so equal values always hash alike. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : item,
  );
}

/** A DNS label (volume and port names, object names) made from free text such as a path. */
export function dnsLabel(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (slug.length === 0) return `x-${contentHash(text, 8)}`;
  if (slug.length <= DNS_LABEL_MAX) return slug;
  // Keep it unique when truncating: two long paths may share a prefix.
  return `${slug.slice(0, DNS_LABEL_MAX - 9).replace(/-+$/, "")}-${contentHash(text, 8)}`;
}

/** `base-suffix`, shortened so the result stays a DNS label. */
export function suffixed(base: string, suffix: string): string {
  const room = DNS_LABEL_MAX - suffix.length - 1;
  return `${base.slice(0, room).replace(/-+$/, "")}-${suffix}`;
}
