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
import { parseMemoryBytes } from "../config/quantities";
import { PlatformConfig } from "../config/schema";
import { CONFIG_NAMESPACE } from "../config/validate";

/** The stack output holding the fingerprint; the next run compares against it. */
export const STORAGE_FINGERPRINT_OUTPUT = "storageFingerprint";

/** Immutable storage settings, by a stable setting id, as text. */
export type StorageFingerprint = Record<string, string>;

interface StorageSetting {
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
const sameSize = (value: string) => (recorded: string) =>
  recorded === value ||
  (parseMemoryBytes(recorded) !== undefined && parseMemoryBytes(recorded) === parseMemoryBytes(value));

const key = (path: string) => `${CONFIG_NAMESPACE}:${path}`;

function claimSettings(config: PlatformConfig, volume: "data" | "models"): StorageSetting[] {
  const settings = config.volumes[volume];
  const claim = `the ${volume} PersistentVolumeClaim`;
  return [
    {
      id: `volumes.${volume}.storageClass`,
      value: settings.storageClass ?? config.kubernetes.storageClass,
      key: settings.storageClass
        ? key(`volumes.${volume}.storageClass`)
        : `${key("kubernetes.storageClass")} (the default for volumes.${volume})`,
      consequence: `a claim's storage class cannot change, so ${claim} would be replaced by a new, empty one`,
    },
    {
      id: `volumes.${volume}.accessMode`,
      value: settings.accessMode,
      key: key(`volumes.${volume}.accessMode`),
      consequence: `a claim's access modes cannot change, so ${claim} would be replaced by a new, empty one`,
    },
  ];
}

function databaseSettings(config: PlatformConfig): StorageSetting[] {
  const { storage } = config.database;
  const template =
    "the database StatefulSet's volumeClaimTemplate, which Kubernetes cannot change, so the StatefulSet would be replaced";
  return [
    {
      id: "database.storage.storageClass",
      value: storage.storageClass ?? config.kubernetes.storageClass,
      key: storage.storageClass
        ? key("database.storage.storageClass")
        : `${key("kubernetes.storageClass")} (the default for database.storage)`,
      consequence: `it is part of ${template} and Postgres would start on a new, empty claim`,
    },
    {
      id: "database.storage.accessMode",
      value: storage.accessMode,
      key: key("database.storage.accessMode"),
      consequence: `it is part of ${template} and Postgres would start on a new, empty claim`,
    },
    {
      id: "database.storage.size",
      value: storage.size,
      same: sameSize(storage.size),
      key: key("database.storage.size"),
      consequence: `it is part of ${template}; to grow the database, expand its claim (postgres-data-*) with kubectl and keep this value`,
    },
  ];
}

/**
 * Docker's local driver has no quota, so a volume's size is only recorded as
 * one of its labels; Docker cannot change a volume's labels, so the provider
 * replaces the volume, and its data, when the size changes at all.
 */
function dockerVolumeSizeSettings(config: PlatformConfig): StorageSetting[] {
  const consequence = (volume: string) =>
    `on Docker the size is a label of the ${volume} volume (the local driver has no quota), and Docker cannot change a volume's labels, so the volume would be replaced by a new, empty one; keep the old value`;
  return [
    { id: "docker.volumes.data.size", value: config.volumes.data.size, path: "volumes.data.size", volume: "data" },
    {
      id: "docker.volumes.models.size",
      value: config.volumes.models.size,
      path: "volumes.models.size",
      volume: "models",
    },
    {
      id: "docker.database.storage.size",
      value: config.database.storage.size,
      path: "database.storage.size",
      volume: "postgres-data",
    },
  ].map(({ id, value, path, volume }) => ({
    id,
    value,
    same: sameSize(value),
    key: key(path),
    consequence: consequence(volume),
  }));
}

function immutableStorageSettings(config: PlatformConfig): StorageSetting[] {
  const target: StorageSetting = {
    id: "target",
    value: config.target,
    key: key("target"),
    consequence: "switching targets deletes every volume of the old target and starts the new one empty",
  };
  if (config.target === "swarm") {
    return [
      target,
      {
        id: "swarm.host",
        value: config.swarm.host,
        key: key("swarm.host"),
        consequence:
          "the data and models volumes and the database volume live on that swarm's nodes; another swarm starts empty",
      },
      {
        id: "swarm.volumeDriver",
        value: config.swarm.volumeDriver,
        key: key("swarm.volumeDriver"),
        consequence:
          "a volume's driver cannot change, so the data and models volumes would be replaced by new, empty ones",
      },
      {
        id: "swarm.databaseNodeLabel",
        value: config.swarm.databaseNodeLabel,
        key: key("swarm.databaseNodeLabel"),
        consequence:
          "the database's volume lives on the node with the old label; a node with the new label starts with an empty database",
      },
      ...dockerVolumeSizeSettings(config),
    ];
  }
  if (config.target === "docker") {
    return [
      target,
      {
        id: "docker.host",
        value: config.docker.host,
        key: key("docker.host"),
        consequence:
          "the data and models volumes and the database volume live on that Docker daemon; another daemon starts empty",
      },
      ...dockerVolumeSizeSettings(config),
    ];
  }
  return [
    target,
    {
      id: "kubernetes.namespace",
      value: config.kubernetes.namespace,
      key: key("kubernetes.namespace"),
      consequence:
        "claims are namespaced, so every claim and the database StatefulSet would be replaced by new, empty ones",
    },
    {
      id: "kubernetes.executorNamespace",
      value: config.kubernetes.executorNamespace,
      key: key("kubernetes.executorNamespace"),
      consequence:
        "flow runs keep their own data and models claims in that namespace, so they would be replaced by new, empty ones",
    },
    ...claimSettings(config, "data"),
    ...claimSettings(config, "models"),
    ...databaseSettings(config),
  ];
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
        `Check the stack's state; once the data is safe, set ${key("allowStorageReplacement")} to true for one run to record a new fingerprint.`,
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
  const targetChange = changes.find((change) => change.key === key("target"));
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
        `Revert the setting, or move the data yourself and set ${key("allowStorageReplacement")} to true for one run.`,
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
      `${key("allowStorageReplacement")} is true: storage will be replaced for ${replaced}. Set it back to false after this run.`,
    );
  }
  return storageFingerprint(config);
}
