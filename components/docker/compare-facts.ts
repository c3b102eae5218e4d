/**
 * What compare shows of the docker target's own settings beside the neutral
 * facts: the switches that change what runs, not addresses and ports.
 */
import { PlatformConfig } from "../../config/schema";

export function dockerSettingFacts(config: PlatformConfig): { property: string; value: string }[] {
  return [{ property: "Docker socket for executors", value: config.docker.workerDockerSocket ? "on" : "off" }];
}
