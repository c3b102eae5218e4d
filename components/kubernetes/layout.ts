/**
 * How the neutral platform lands in the two namespaces: which namespace
 * mounts which volume, which namespaces hold storage worth keeping, which
 * files ship as ConfigMaps and how services are addressed.
 */
import { ContainerSpec, PlatformSpec, ServiceAddressEnv } from "../../platform/model";
import { serviceHost } from "./naming";

/** Every container that runs in the platform namespace (executors run elsewhere). */
export function platformContainers(spec: PlatformSpec): ContainerSpec[] {
  return [
    ...spec.services.map((service) => service.container),
    ...spec.jobs.map((job) => job.container),
    ...spec.schedules.map((schedule) => schedule.job.container),
    ...spec.executorPools.map((pool) => pool.worker),
  ];
}

/** volume -> the namespaces whose pods mount it. */
export function volumeConsumers(
  spec: PlatformSpec,
  platformNamespace: string,
  executorNamespace: string,
): Record<string, string[]> {
  const known = new Set(spec.volumes.map((volume) => volume.name));
  const consumers: Record<string, string[]> = {};
  const use = (volume: string, namespace: string) => {
    if (!known.has(volume)) throw new Error(`a container mounts unknown volume "${volume}"`);
    consumers[volume] = [...new Set([...(consumers[volume] ?? []), namespace])];
  };
  platformContainers(spec).forEach((container) =>
    container.mounts.forEach((mount) => use(mount.volume, platformNamespace)),
  );
  spec.executorPools.forEach((pool) => pool.executor.mounts.forEach((mount) => use(mount.volume, executorNamespace)));
  return consumers;
}

/**
 * Deleting a namespace deletes every claim in it, so a namespace that holds
 * storage to keep must itself be kept.
 */
export function namespacesToKeep(
  spec: PlatformSpec,
  consumers: Record<string, string[]>,
  platformNamespace: string,
  executorNamespace: string,
): { platform: boolean; executors: boolean } {
  const keepsVolumeIn = (namespace: string) =>
    spec.volumes.some((volume) => volume.protect && (consumers[volume.name] ?? []).includes(namespace));
  return {
    platform: spec.services.some((service) => service.state?.protect === true) || keepsVolumeIn(platformNamespace),
    executors: keepsVolumeIn(executorNamespace),
  };
}

/** The in-cluster URL a neutral service address names. */
export function serviceUrl(spec: PlatformSpec, address: ServiceAddressEnv, namespace: string): string {
  const service = spec.services.find((candidate) => candidate.name === address.service);
  if (!service) throw new Error(`an address names unknown service "${address.service}"`);
  const port = service.container.ports.find((candidate) => candidate.name === address.port);
  if (!port) throw new Error(`service "${address.service}" has no port named "${address.port}"`);
  return `${address.scheme}://${serviceHost(service.name, namespace)}:${port.port}${address.path}`;
}
