/**
 * The platform's secrets as Kubernetes Secrets. Values come from the shared
 * PlatformSecrets (random passwords and what is derived from them); pods reach
 * them only through secretKeyRef or mounted files.
 */
import * as pulumi from "@pulumi/pulumi";
import { Secret } from "@pulumi/kubernetes/core/v1";
import { SecretSpec } from "../../platform/model";
import { PlatformSecrets, SecretValues } from "../secrets";
import { objectLabels } from "./labels";

export interface KubernetesSecretsArgs {
  instance: string;
  /** The namespace the Secrets live in (the platform namespace). */
  namespace: pulumi.Input<string>;
  secrets: SecretSpec[];
  /** The host name a service is reached at from pods, used in derived values such as the database URL. */
  serviceHost: (service: string) => string;
}

export class KubernetesSecrets extends pulumi.ComponentResource {
  /** neutral secret name -> Secret */
  readonly secrets: Record<string, Secret>;
  /** neutral secret name -> key -> value (secret Outputs) */
  readonly values: SecretValues;

  constructor(name: string, args: KubernetesSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Secrets", name, {}, opts);
    const values = new PlatformSecrets(
      `${name}-values`,
      { secrets: args.secrets, serviceHost: args.serviceHost },
      { parent: this },
    );
    this.values = values.values;
    this.secrets = {};
    for (const spec of args.secrets) {
      this.secrets[spec.name] = new Secret(
        `${name}-${spec.name}`,
        {
          // No fixed name: Secrets are replaced rather than edited, and a new name
          // rolls every pod that refers to it, so none keeps a stale value.
          metadata: {
            namespace: args.namespace,
            labels: objectLabels({ instance: args.instance, name: spec.name, component: "secret" }),
          },
          type: "Opaque",
          stringData: values.values[spec.name],
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }

  /** The Kubernetes name of a neutral secret. */
  nameOf(secret: string): pulumi.Output<string> {
    const found = this.secrets[secret];
    if (!found) throw new pulumi.ResourceError(`no platform secret named "${secret}"`, this);
    return found.metadata.name;
  }
}
