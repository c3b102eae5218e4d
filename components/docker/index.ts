/**
 * The Docker target (stack `dev`): the whole platform as containers on one
 * Docker host. See platform.ts for what is built and the modules beside it
 * for how each workload kind maps to Docker.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DeployPlatform } from "../target";
import { DockerPlatform } from "./platform";
import { DockerSettings } from "./settings";

/** The local Docker Engine's socket: what an empty docker.host means. */
export const LOCAL_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * The daemon the platform is deployed to, from stack config alone. The
 * provider would otherwise fall back to DOCKER_HOST from the deployer's
 * environment, and the default provider to the `docker:host` stack setting:
 * either would move the platform, its secrets and its volumes to a daemon the
 * storage guard (which fingerprints docker.host) never sees.
 */
export function dockerHost(configured: string): string {
  return configured === "" ? LOCAL_DOCKER_HOST : configured;
}

export const deployPlatform: DeployPlatform<DockerSettings> = (name, args, opts) => {
  const provider = new docker.Provider(
    `${name}-docker`,
    { host: dockerHost(args.settings.host) },
    { parent: opts?.parent },
  );
  const platform = new DockerPlatform(name, args, withProvider(opts, provider));
  return platform.endpoints;
};

function withProvider(
  opts: pulumi.ComponentResourceOptions | undefined,
  provider: docker.Provider,
): pulumi.ComponentResourceOptions {
  const providers = opts?.providers;
  if (providers === undefined) return { ...opts, providers: [provider] };
  if (Array.isArray(providers)) return { ...opts, providers: [...providers, provider] };
  return { ...opts, providers: { ...providers, docker: provider } };
}
