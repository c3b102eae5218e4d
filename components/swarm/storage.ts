/**
 * The Swarm target's storage settings that cannot change in place: the swarm
 * its volumes live on, their driver, the node that holds the database, and
 * their sizes (Docker volumes).
 */
import { PlatformConfig } from "../../config/schema";
import { dockerVolumeSizeSettings } from "../docker/storage";
import { configKey, StorageSetting } from "../storage-setting";

export function swarmStorageSettings(config: PlatformConfig): StorageSetting[] {
  return [
    {
      id: "swarm.host",
      value: config.swarm.host,
      key: configKey("swarm.host"),
      consequence:
        "the data and models volumes and the database volume live on that swarm's nodes; another swarm starts empty",
    },
    {
      id: "swarm.volumeDriver",
      value: config.swarm.volumeDriver,
      key: configKey("swarm.volumeDriver"),
      consequence:
        "a volume's driver cannot change, so the data and models volumes would be replaced by new, empty ones",
    },
    {
      id: "swarm.databaseNodeLabel",
      value: config.swarm.databaseNodeLabel,
      key: configKey("swarm.databaseNodeLabel"),
      consequence:
        "the database's volume lives on the node with the old label; a node with the new label starts with an empty database",
    },
    ...dockerVolumeSizeSettings(config),
  ];
}
