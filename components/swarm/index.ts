/**
 * The Swarm target (stack `staging`): the whole platform as services on a
 * Docker Swarm, through its manager (swarm.host; empty is the local Docker
 * Engine). See platform.ts for what is built and the modules beside it for
 * how each workload kind maps to Swarm.
 */
import { withDockerProvider } from "../docker/provider";
import { DeployPlatform } from "../target";
import { SwarmPlatform } from "./platform";
import { SwarmSettings } from "./settings";

export const deployPlatform: DeployPlatform<SwarmSettings> = (name, args, opts) =>
  new SwarmPlatform(name, args, withDockerProvider(name, args.settings.host, opts)).endpoints;
