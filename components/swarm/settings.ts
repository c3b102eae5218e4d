/**
 * What the Swarm target receives of the stack config: its own `swarm`
 * section and nothing else (the neutral description carries the rest).
 */
import type { PlatformConfig } from "../../config/schema";

export type SwarmSettings = PlatformConfig["swarm"];

export function swarmSettings(config: PlatformConfig): SwarmSettings {
  return config.swarm;
}
