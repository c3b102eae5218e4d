/**
 * File bundles (scripts, templates) as ConfigMaps named after their content:
 * a changed file gets a new ConfigMap, which changes every pod template that
 * mounts it and so rolls those pods; nothing keeps running old code.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import { FileBundle } from "../../platform/model";
import { objectLabels } from "./labels";
import { contentHash, suffixed } from "./naming";

/** The API server refuses ConfigMaps above 1 MiB. */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;

export function bundleConfigMapName(bundle: FileBundle): string {
  return suffixed(bundle.name, contentHash(bundle.files));
}

export function bundleSize(bundle: FileBundle): number {
  return Object.entries(bundle.files).reduce(
    (sum, [file, text]) => sum + Buffer.byteLength(file) + Buffer.byteLength(text),
    0,
  );
}

export interface BundlesArgs {
  instance: string;
  /** The namespace the pods that mount them run in. */
  namespace: pulumi.Input<string>;
  /** Every bundle of every container; the same bundle used twice becomes one ConfigMap. */
  bundles: FileBundle[];
}

export class Bundles extends pulumi.ComponentResource {
  /** bundle name -> ConfigMap */
  readonly configMaps: Record<string, ConfigMap> = {};
  private readonly hashes: Record<string, string> = {};

  constructor(name: string, args: BundlesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Bundles", name, {}, opts);
    for (const bundle of args.bundles) {
      const hash = contentHash(bundle.files);
      const existing = this.hashes[bundle.name];
      if (existing === hash) continue;
      if (existing !== undefined) {
        throw new pulumi.ResourceError(`two different file bundles are both named "${bundle.name}"`, this);
      }
      const size = bundleSize(bundle);
      if (size > CONFIG_MAP_MAX_BYTES) {
        throw new pulumi.ResourceError(
          `file bundle "${bundle.name}" is ${size} bytes; a ConfigMap holds at most ${CONFIG_MAP_MAX_BYTES}`,
          this,
        );
      }
      this.hashes[bundle.name] = hash;
      this.configMaps[bundle.name] = new ConfigMap(
        `${name}-${bundle.name}`,
        {
          metadata: {
            name: bundleConfigMapName(bundle),
            namespace: args.namespace,
            labels: objectLabels({ instance: args.instance, name: bundle.name, component: "files" }),
          },
          // The name is the content, so it never needs to change in place.
          immutable: true,
          data: { ...bundle.files },
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }

  configMapName(bundle: FileBundle): pulumi.Output<string> {
    const configMap = this.configMaps[bundle.name];
    if (!configMap) throw new pulumi.ResourceError(`no ConfigMap for file bundle "${bundle.name}"`, this);
    return configMap.metadata.name;
  }
}
