/**
 * One storage setting that cannot change in place, as a target declares it to
 * the storage guard (components/storage-guard.ts): each target lists its own
 * (components/<target>/storage.ts) and the registry hands them over.
 */
import { parseMemoryBytes } from "../config/quantities";
import { CONFIG_NAMESPACE } from "../config/namespace";

export interface StorageSetting {
  /** Stable id recorded in the fingerprint. */
  id: string;
  value: string;
  /** The config key a user changes to change it. */
  key: string;
  /** What a change replaces, and why it cannot happen in place. */
  consequence: string;
  /** Whether a recorded value means the same as this one (sizes: 20Gi is 20480Mi). Default: equal text. */
  same?: (recorded: string) => boolean;
}

/** Sizes compare as quantities, so respelling one is not a change. */
export const sameSize = (value: string) => (recorded: string) =>
  recorded === value ||
  (parseMemoryBytes(recorded) !== undefined && parseMemoryBytes(recorded) === parseMemoryBytes(value));

/** A key path as a user writes it in a stack file. */
export const configKey = (path: string) => `${CONFIG_NAMESPACE}:${path}`;
