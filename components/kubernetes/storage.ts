/**
 * The Kubernetes target's storage settings that cannot change in place: the
 * namespaces its claims live in, each claim's class and access mode, and the
 * database StatefulSet's claim template.
 */
import { PlatformConfig } from "../../config/schema";
import { configKey, sameSize, StorageSetting } from "../storage-setting";

function claimSettings(config: PlatformConfig, volume: "data" | "models"): StorageSetting[] {
  const settings = config.volumes[volume];
  const claim = `the ${volume} PersistentVolumeClaim`;
  return [
    {
      id: `volumes.${volume}.storageClass`,
      value: settings.storageClass ?? config.kubernetes.storageClass,
      key: settings.storageClass
        ? configKey(`volumes.${volume}.storageClass`)
        : `${configKey("kubernetes.storageClass")} (the default for volumes.${volume})`,
      consequence: `a claim's storage class cannot change, so ${claim} would be replaced by a new, empty one`,
    },
    {
      id: `volumes.${volume}.accessMode`,
      value: settings.accessMode,
      key: configKey(`volumes.${volume}.accessMode`),
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
        ? configKey("database.storage.storageClass")
        : `${configKey("kubernetes.storageClass")} (the default for database.storage)`,
      consequence: `it is part of ${template} and Postgres would start on a new, empty claim`,
    },
    {
      id: "database.storage.accessMode",
      value: storage.accessMode,
      key: configKey("database.storage.accessMode"),
      consequence: `it is part of ${template} and Postgres would start on a new, empty claim`,
    },
    {
      id: "database.storage.size",
      value: storage.size,
      same: sameSize(storage.size),
      key: configKey("database.storage.size"),
      consequence: `it is part of ${template}; to grow the database, expand its claim (postgres-data-*) with kubectl and keep this value`,
    },
  ];
}

export function kubernetesStorageSettings(config: PlatformConfig): StorageSetting[] {
  return [
    {
      id: "kubernetes.namespace",
      value: config.kubernetes.namespace,
      key: configKey("kubernetes.namespace"),
      consequence:
        "claims are namespaced, so every claim and the database StatefulSet would be replaced by new, empty ones",
    },
    {
      id: "kubernetes.executorNamespace",
      value: config.kubernetes.executorNamespace,
      key: configKey("kubernetes.executorNamespace"),
      consequence:
        "flow runs keep their own data and models claims in that namespace, so they would be replaced by new, empty ones",
    },
    ...claimSettings(config, "data"),
    ...claimSettings(config, "models"),
    ...databaseSettings(config),
  ];
}
