/**
 * Refuses a run that would silently replace stateful storage. Some storage
 * settings cannot change in place (a claim's storage class or access modes, a
 * StatefulSet's volumeClaimTemplates, the namespace or Docker daemon the
 * volumes live in): the provider would replace the volume with a new, empty
 * one. Each run records those settings as a stack output; the next run reads
 * its own previous outputs through a StackReference to the current stack and
 * stops, naming the key, when one of them changed. An explicit
 * ml-platform:allowStorageReplacement lets a run through after the data has
 * been moved by hand.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformConfig } from "../config/schema";
import { TARGETS } from "./registry";
import { configKey, StorageSetting } from "./storage-setting";

/** The stack output holding the fingerprint; the next run compares against it. */
export const STORAGE_FINGERPRINT_OUTPUT = "storageFingerprint";

/** Immutable storage settings, by a stable setting id, as text. */
export type StorageFingerprint = Record<string, string>;

function immutableStorageSettings(config: PlatformConfig): StorageSetting[] {
  const target: StorageSetting = {
    id: "target",
    value: config.target,
    key: configKey("target"),
    consequence: "switching targets deletes every volume of the old target and starts the new one empty",
  };
  return [target, ...TARGETS[config.target].storageSettings(config)];
}

export function storageFingerprint(config: PlatformConfig): StorageFingerprint {
  return Object.fromEntries(immutableStorageSettings(config).map((setting) => [setting.id, setting.value]));
}

export interface StorageChange {
  key: string;
  previous: string;
  current: string;
  consequence: string;
}

/**
 * A previous fingerprint this run cannot read: not a mapping, or a setting it
 * knows recorded as something other than text. Guessing would let storage be
 * replaced unseen, so the run stops instead (fails closed).
 */
export class UnreadableFingerprintError extends pulumi.RunError {
  constructor(stack: string, detail: string) {
    super(
      `Stack "${stack}" cannot compare its storage settings with the previous run, whose ${STORAGE_FINGERPRINT_OUTPUT} output ${detail}; nothing was deployed. ` +
        `Check the stack's state; once the data is safe, set ${configKey("allowStorageReplacement")} to true for one run to record a new fingerprint.`,
    );
    this.name = "UnreadableFingerprintError";
  }
}

/** Why a previous fingerprint cannot be read, or undefined when it can (no previous run is readable: there is nothing to compare). */
export function unreadableFingerprint(previous: unknown, config: PlatformConfig): string | undefined {
  if (previous === undefined || previous === null) return undefined;
  if (typeof previous !== "object" || Array.isArray(previous)) return `is ${JSON.stringify(previous)}, not a mapping`;
  const recorded = previous as Record<string, unknown>;
  const bad = immutableStorageSettings(config)
    .map((setting) => setting.id)
    .filter((id) => id in recorded && typeof recorded[id] !== "string");
  return bad.length > 0 ? `records ${bad.join(", ")} as something other than text` : undefined;
}

/** The settings whose change would replace storage, compared with the previous run's fingerprint. */
export function storageChanges(previous: unknown, config: PlatformConfig): StorageChange[] {
  if (typeof previous !== "object" || previous === null) return [];
  const recorded = previous as Record<string, unknown>;
  const changes = immutableStorageSettings(config)
    .filter((setting) => {
      const value = recorded[setting.id];
      if (typeof value !== "string") return false;
      return setting.same ? !setting.same(value) : value !== setting.value;
    })
    .map((setting) => ({
      key: setting.key,
      previous: String(recorded[setting.id]),
      current: setting.value,
      consequence: setting.consequence,
    }));
  // After a target switch the other settings are not comparable: report the switch alone.
  const targetChange = changes.find((change) => change.key === configKey("target"));
  return targetChange ? [targetChange] : changes;
}

export class StorageReplacementError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly changes: StorageChange[],
  ) {
    super(
      [
        `Stack "${stack}" would replace stateful storage; nothing was deployed:`,
        ...changes.map(
          (change) => `  - ${change.key}: was "${change.previous}", now "${change.current}"; ${change.consequence}.`,
        ),
        `Revert the setting, or move the data yourself and set ${configKey("allowStorageReplacement")} to true for one run.`,
      ].join("\n"),
    );
    this.name = "StorageReplacementError";
  }
}

/** The current stack, as a StackReference names it: organization/project/stack. */
function currentStackName(): string {
  return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * Reads the previous run's fingerprint and refuses the run when a setting that
 * replaces storage changed, unless config.allowStorageReplacement. Returns the
 * fingerprint to export as STORAGE_FINGERPRINT_OUTPUT.
 */
export async function guardStorage(config: PlatformConfig): Promise<StorageFingerprint> {
  const self = new pulumi.StackReference("ml-platform-previous-run", { name: currentStackName() });
  const previous = await self.getOutputDetails(STORAGE_FINGERPRINT_OUTPUT);
  const recorded: unknown = previous.value ?? previous.secretValue;
  const unreadable = unreadableFingerprint(recorded, config);
  if (unreadable && !config.allowStorageReplacement)
    throw new UnreadableFingerprintError(pulumi.getStack(), unreadable);
  const changes = storageChanges(recorded, config);
  if (changes.length > 0) {
    if (!config.allowStorageReplacement) throw new StorageReplacementError(pulumi.getStack(), changes);
    const replaced = changes.map((change) => `${change.key} ("${change.previous}" -> "${change.current}")`).join(", ");
    pulumi.log.warn(
      `${configKey("allowStorageReplacement")} is true: storage will be replaced for ${replaced}. Set it back to false after this run.`,
    );
  }
  return storageFingerprint(config);
}
