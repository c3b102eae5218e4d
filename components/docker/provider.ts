/**
 * The Docker provider both Docker targets deploy through (docker: the daemon
 * itself; swarm: a manager of the swarm), pinned to the host the stack config
 * names. The provider would otherwise fall back to DOCKER_HOST from the
 * deployer's environment, and the default provider to the `docker:host` stack
 * setting: either would move the platform, its secrets and its volumes to a
 * daemon the storage guard (which fingerprints the configured host) never sees.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** The local Docker Engine's socket: what an empty host setting means. */
export const LOCAL_DOCKER_HOST = "unix:///var/run/docker.sock";

export function dockerHost(configured: string): string {
  return configured === "" ? LOCAL_DOCKER_HOST : configured;
}

/** `opts` with a Docker provider for the configured host added to its providers. */
export function withDockerProvider(
  name: string,
  configuredHost: string,
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions {
  const provider = new docker.Provider(
    `${name}-docker`,
    { host: dockerHost(configuredHost) },
    { parent: opts?.parent },
  );
  const providers = opts?.providers;
  if (providers === undefined) return { ...opts, providers: [provider] };
  if (Array.isArray(providers)) return { ...opts, providers: [...providers, provider] };
  return { ...opts, providers: { ...providers, docker: provider } };
}
