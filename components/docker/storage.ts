/**
 * The Docker target's storage settings that cannot change in place: the
 * daemon its volumes live on, and their sizes (labels, on Docker). Swarm's
 * volumes are Docker volumes too, so it reuses the sizes.
 */
import { PlatformConfig } from "../../config/schema";
import { configKey, sameSize, StorageSetting } from "../storage-setting";

/**
 * Docker's local driver has no quota, so a volume's size is only recorded as
 * one of its labels; Docker cannot change a volume's labels, so the provider
 * replaces the volume, and its data, when the size changes at all.
 */
export function dockerVolumeSizeSettings(config: PlatformConfig): StorageSetting[] {
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
    key: configKey(path),
    consequence: consequence(volume),
  }));
}

export function dockerStorageSettings(config: PlatformConfig): StorageSetting[] {
  return [
    {
      id: "docker.host",
      value: config.docker.host,
      key: configKey("docker.host"),
      consequence:
        "the data and models volumes and the database volume live on that Docker daemon; another daemon starts empty",
    },
    ...dockerVolumeSizeSettings(config),
  ];
}
