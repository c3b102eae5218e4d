/**
 * The Docker provider's resource type tokens, which the docker and swarm
 * targets (one provider, @pulumi/docker) read in their views, mocks and
 * offline files.
 */
export const DOCKER_TYPES = {
  container: "docker:index/container:Container",
  remoteImage: "docker:index/remoteImage:RemoteImage",
  volume: "docker:index/volume:Volume",
  network: "docker:index/network:Network",
  secret: "docker:index/secret:Secret",
  service: "docker:index/service:Service",
  serviceConfig: "docker:index/serviceConfig:ServiceConfig",
} as const;
