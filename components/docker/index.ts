/**
 * The Docker target (stack `dev`): the whole platform as containers on one
 * Docker host. See platform.ts for what is built and the modules beside it
 * for how each workload kind maps to Docker.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DeployPlatform } from "../target";
import { DockerPlatform } from "./platform";

export const deployPlatform: DeployPlatform = (name, args, opts) => {
  const host = args.config.docker.host;
  // Without docker.host the default provider is used: DOCKER_HOST or the local socket.
  const provider = host ? new docker.Provider(`${name}-docker`, { host }, { parent: opts?.parent }) : undefined;
  const platform = new DockerPlatform(name, args, provider ? withProvider(opts, provider) : opts);
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
