/**
 * The Swarm target (stack `staging`): the whole platform as services on a
 * Docker Swarm, through its manager. See platform.ts for what is built and
 * the modules beside it for how each workload kind maps to Swarm.
 */
import * as docker from "@pulumi/docker";
import { DeployPlatform } from "../target";
import { SwarmPlatform } from "./platform";
import { SwarmSettings } from "./settings";

/** The local Docker Engine's socket: what an empty swarm.host means (a manager of the swarm). */
export const LOCAL_DOCKER_HOST = "unix:///var/run/docker.sock";

export function swarmManagerHost(configured: string): string {
  return configured === "" ? LOCAL_DOCKER_HOST : configured;
}

export const deployPlatform: DeployPlatform<SwarmSettings> = (name, args, opts) => {
  // From stack config alone, never DOCKER_HOST: the storage guard fingerprints swarm.host.
  const provider = new docker.Provider(
    `${name}-docker`,
    { host: swarmManagerHost(args.settings.host) },
    { parent: opts?.parent },
  );
  const providers = opts?.providers;
  const withProvider = Array.isArray(providers)
    ? { ...opts, providers: [...providers, provider] }
    : { ...opts, providers: { ...(providers ?? {}), docker: provider } };
  return new SwarmPlatform(name, args, withProvider).endpoints;
};
