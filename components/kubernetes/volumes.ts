/**
 * The data and models volumes as PersistentVolumeClaims on the configured
 * storage class. Claims are namespaced: each namespace whose pods mount a
 * volume gets its own claim of that name. On MicroK8s' hostpath storage these
 * are separate directories, so the executors' data and models are not the
 * platform's (sharing one would take a hostPath PersistentVolume, which the
 * policy pack refuses, or ReadWriteMany storage such as NFS).
 */
import * as pulumi from "@pulumi/pulumi";
import { PersistentVolumeClaim } from "@pulumi/kubernetes/core/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { VolumeSpec } from "../../platform/model";
import { objectLabels } from "./labels";

export interface VolumeClaimsArgs {
  instance: string;
  volumes: VolumeSpec[];
  /** Which namespaces mount each volume (from the neutral spec's mounts). */
  consumers: Record<string, string[]>;
  /** Storage class for volumes that name none (kubernetes.storageClass). */
  storageClass: string;
  /** Namespace names resolved from their Namespace objects, so claims wait for them. */
  namespaceRef: (namespace: string) => pulumi.Input<string>;
}

export function claimSpec(volume: VolumeSpec, storageClass: string): k8s.core.v1.PersistentVolumeClaimSpec {
  return {
    accessModes: [volume.accessMode],
    storageClassName: volume.storageClass ?? storageClass,
    resources: { requests: { storage: volume.size } },
  };
}

export class VolumeClaims extends pulumi.ComponentResource {
  /** `${namespace}/${volume}` -> claim */
  readonly claims: Record<string, PersistentVolumeClaim> = {};

  constructor(name: string, args: VolumeClaimsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Volumes", name, {}, opts);
    for (const volume of args.volumes) {
      for (const namespace of args.consumers[volume.name] ?? []) {
        this.claims[`${namespace}/${volume.name}`] = new PersistentVolumeClaim(
          `${name}-${namespace}-${volume.name}`,
          {
            metadata: {
              name: volume.name,
              namespace: args.namespaceRef(namespace),
              labels: objectLabels({ instance: args.instance, name: volume.name, component: "storage" }),
            },
            spec: claimSpec(volume, args.storageClass),
          },
          { parent: this, protect: volume.protect, retainOnDelete: volume.protect },
        );
      }
    }
    this.registerOutputs({});
  }

  /** The claim name of a volume in a namespace, failing when the volume is not offered there. */
  claimName(namespace: string, volume: string): pulumi.Output<string> {
    return this.claimIn(namespace, volume).metadata.name;
  }

  /** The same name as plain text, for a file that cannot hold a reference (the executors' job template). */
  fixedClaimName(namespace: string, volume: string): string {
    this.claimIn(namespace, volume);
    return volume;
  }

  private claimIn(namespace: string, volume: string): PersistentVolumeClaim {
    const claim = this.claims[`${namespace}/${volume}`];
    if (!claim) throw new pulumi.ResourceError(`volume "${volume}" has no claim in namespace "${namespace}"`, this);
    return claim;
  }
}
