/**
 * What a pod needs to know about where it runs: its namespace and how the
 * neutral names it refers to (secrets, bundles, volumes, services) are spelled
 * as Kubernetes objects there.
 */
import * as pulumi from "@pulumi/pulumi";
import { FileBundle, ServiceAddressEnv } from "../../platform/model";

export interface PodPlacement {
  /** The namespace the pod runs in. */
  namespace: string;
  /** The Secret holding a neutral secret (only the platform namespace has them). */
  secretName(secret: string): pulumi.Input<string>;
  /** The ConfigMap holding a file bundle. */
  bundleConfigMap(bundle: FileBundle): pulumi.Input<string>;
  /** The claim backing a neutral volume in this namespace. */
  claimName(volume: string): pulumi.Input<string>;
  /** The in-cluster URL of a neutral service port. */
  serviceUrl(address: ServiceAddressEnv): string;
  /** runtimeClassName for pods that request GPUs. */
  gpuRuntimeClassName: string;
  /** The PriorityClass of the pod (priorities.ts); none leaves Kubernetes' default. */
  priorityClassName?: string;
}
