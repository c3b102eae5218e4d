/**
 * What the Docker target receives of the stack config: its own `docker`
 * section and nothing else (the neutral description carries the rest).
 */
import type { PlatformConfig } from "../../config/schema";

export type DockerSettings = PlatformConfig["docker"];

export function dockerSettings(config: PlatformConfig): DockerSettings {
  return config.docker;
}
