/**
 * What every workload component of the Docker target needs from the platform
 * around it: the network, the pulled images, the volumes, the secret values
 * and the service directory. Built once by DockerPlatform.
 */
import * as pulumi from "@pulumi/pulumi";
import { SecretValues } from "../secrets";
import { ServiceDirectory } from "./addresses";

/** A platform volume as its users see it. */
export interface VolumeHandle {
  /** The Docker volume name to mount. */
  name: pulumi.Input<string>;
  /** Resources that must exist before a container mounts it (the volume, its ownership fix). */
  ready: pulumi.Input<pulumi.Resource[]>;
}

export interface PlatformContext {
  /** Instance label shared by every object, e.g. "ml-platform-dev". */
  instance: string;
  /** Name of the network every long-running container joins. */
  networkName: pulumi.Input<string>;
  /** The pulled image's ID for an image reference; containers take this, never the name. */
  imageId: (reference: string) => pulumi.Output<string>;
  /** Platform volumes (data, models, per-service state) by their neutral name. */
  volumes: Record<string, VolumeHandle>;
  /** Secret values by secret name and key. */
  secrets: SecretValues;
  /** Network aliases and ports of the platform's services. */
  addresses: ServiceDirectory;
}

export function volumeHandle(context: PlatformContext, volume: string): VolumeHandle {
  const handle = context.volumes[volume];
  if (!handle) {
    const known = Object.keys(context.volumes).sort().join(", ") || "none";
    throw new Error(`no volume named "${volume}" in the platform (volumes: ${known})`);
  }
  return handle;
}

export function secretValue(context: PlatformContext, secret: string, key: string): pulumi.Output<string> {
  const value = context.secrets[secret]?.[key];
  if (!value) throw new Error(`no key "${key}" in secret "${secret}"`);
  return value;
}

/**
 * A spec the target cannot realise is reported against the component that
 * tried, without a stack trace: it is a problem with the description, not a
 * crash.
 */
export function asResourceError(error: unknown, resource: pulumi.Resource): Error {
  if (pulumi.ResourceError.isInstance(error) || pulumi.RunError.isInstance(error as Error)) return error as Error;
  return new pulumi.ResourceError(error instanceof Error ? error.message : String(error), resource, true);
}
