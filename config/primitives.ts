/**
 * The value rules every part of the config schema is built from (quantities,
 * images, names, ports, resources, volumes), shared by the platform's keys
 * (schema.ts) and the targets' own sections (components/<target>/config-section.ts).
 */
import { z } from "zod";
import { unpinnedReason } from "./images";
import { CPU_QUANTITY_RULE, MEMORY_QUANTITY_RULE, parseCpuMillis, parseMemoryBytes } from "./quantities";

export const cpu = z.string().refine((value) => parseCpuMillis(value) !== undefined, {
  message: `must be ${CPU_QUANTITY_RULE}`,
});
export const memory = z.string().refine((value) => parseMemoryBytes(value) !== undefined, {
  message: `must be ${MEMORY_QUANTITY_RULE}`,
});
/** Beyond these no node runs one container: a typo ("900Ti", "10000" cores), not a plan. */
export const containerCpu = cpu.refine((value) => (parseCpuMillis(value) ?? 0) <= 1024 * 1000, {
  message: "must be at most 1024 cores",
});
export const containerMemory = memory.refine((value) => (parseMemoryBytes(value) ?? 0) <= 8 * 1024 ** 4, {
  message: "must be at most 8Ti",
});
export const storageSize = memory
  .refine((value) => (parseMemoryBytes(value) ?? 0) <= 64 * 1024 ** 4, { message: "must be at most 64Ti" })
  .refine((value) => (parseMemoryBytes(value) ?? 0) >= 1024 ** 2, {
    message: "must be at least 1Mi: Kubernetes refuses an empty claim",
  });
/**
 * The least a container may be held to on every target: Docker refuses a memory limit under 6Mi
 * and a CPU quota under 1 ms per 100 ms (10m); a process does not start in less anyway.
 */
export const limitCpu = containerCpu.refine((value) => (parseCpuMillis(value) ?? 0) >= 10, {
  message: "must be at least 10m: Docker refuses a smaller CPU limit",
});
export const limitMemory = containerMemory.refine((value) => (parseMemoryBytes(value) ?? 0) >= 6 * 1024 ** 2, {
  message: "must be at least 6Mi: Docker refuses a smaller memory limit",
});
export const image = z.string().superRefine((value, context) => {
  const reason = unpinnedReason(value);
  if (reason) context.addIssue({ code: "custom", message: `image "${value}" ${reason}` });
});
export const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label: lower-case letters, digits and '-', at most 63");
/** A DNS subdomain, as Kubernetes names storage classes: DNS labels joined by dots, at most 253 characters. */
export const subdomain = z
  .string()
  .regex(
    /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/,
    "must be a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253",
  );
/** The browser-facing address: an http(s) URL with a host, nothing a browser would run or read locally. */
export const publicUrl = z.string().superRefine((value, context) => {
  let url: URL | undefined;
  try {
    url = /\s/.test(value) ? undefined : new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["http:", "https:"].includes(url.protocol) || url.hostname === "") {
    context.addIssue({
      code: "custom",
      message: `"${value}" must be an http:// or https:// URL with a host and no spaces, the address the user's browser reaches`,
    });
  }
});

export const port = z
  .number()
  .int()
  .min(1, "must be a port from 1 to 65535")
  .max(65535, "must be a port from 1 to 65535");
export const count = (max: number) => z.number().int().min(1, "must be at least 1").max(max, `must be at most ${max}`);
export const seconds = (max: number) =>
  z.number().int().min(1, "must be at least 1 second").max(max, `must be at most ${max} seconds`);

export const resources = (defaults: { cpu: string; memory: string }) =>
  z
    .strictObject({
      /** What the scheduler reserves; defaults to the limits. */
      requests: z
        .strictObject({ cpu: containerCpu.default(defaults.cpu), memory: containerMemory.default(defaults.memory) })
        .prefault({}),
      /** The hard ceiling the container is held to. */
      limits: z
        .strictObject({ cpu: limitCpu.default(defaults.cpu), memory: limitMemory.default(defaults.memory) })
        .prefault({}),
    })
    .prefault({});

export const volume = z
  .strictObject({
    size: storageSize.default("10Gi"),
    accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"]).default("ReadWriteOnce"),
    /** Overrides kubernetes.storageClass for this volume. */
    storageClass: subdomain.optional(),
  })
  .prefault({});
