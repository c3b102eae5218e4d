/**
 * Kubernetes-style resource quantities, parsed once for every consumer: the
 * config schema checks them, the Docker target converts them to engine units,
 * and the policies compare them.
 */

const CPU_PATTERN = /^(\d+m|\d+(\.\d{1,3})?)$/;
const MEMORY_PATTERN = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;

const MEMORY_UNITS: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export const CPU_QUANTITY_RULE = 'a CPU quantity such as "250m", "1" or "1.5"';
export const MEMORY_QUANTITY_RULE = 'a memory quantity such as "512Mi", "2Gi" or "1.5Gi"';

/** Millicores in a CPU quantity, or undefined when it is not one. */
export function parseCpuMillis(quantity: string): number | undefined {
  if (!CPU_PATTERN.test(quantity)) return undefined;
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Bytes in a memory quantity (a fraction of a byte rounds up, as Kubernetes rounds it), or undefined when it is not one. */
export function parseMemoryBytes(quantity: string): number | undefined {
  const match = MEMORY_PATTERN.exec(quantity);
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * MEMORY_UNITS[match[2] ?? ""]);
}

/** Docker takes memory in whole mebibytes. */
export function memoryMebibytes(quantity: string): number {
  const bytes = parseMemoryBytes(quantity);
  if (bytes === undefined) throw new Error(`not ${MEMORY_QUANTITY_RULE}: ${quantity}`);
  return Math.max(1, Math.ceil(bytes / 1024 ** 2));
}

/** Docker takes CPU limits as a decimal string of cores. */
export function cpuCores(quantity: string): string {
  const millis = parseCpuMillis(quantity);
  if (millis === undefined) throw new Error(`not ${CPU_QUANTITY_RULE}: ${quantity}`);
  return (millis / 1000).toString();
}
