/**
 * Generates the platform's secret values with @pulumi/random (or takes the
 * ones the stack config supplies) and assembles the derived ones. Shared by
 * every target: only where the values go differs.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SecretSpec, TemplatePart } from "../platform/model";

/** secret name -> key -> value (always a secret Output). */
export type SecretValues = Record<string, Record<string, pulumi.Output<string>>>;

export interface PlatformSecretsArgs {
  secrets: SecretSpec[];
  /** How a service's host name is spelled on this target (container alias, cluster DNS). */
  serviceHost: (service: string) => string;
}

export class PlatformSecrets extends pulumi.ComponentResource {
  readonly values: SecretValues;

  constructor(name: string, args: PlatformSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:shared:Secrets", name, {}, opts);
    this.values = {};
    for (const secret of args.secrets) {
      const generated: Record<string, pulumi.Output<string>> = {};
      for (const [key, { length }] of Object.entries(secret.generated)) {
        const provided = secret.provided[key];
        if (provided !== undefined) {
          generated[key] = pulumi.secret(provided);
          continue;
        }
        // Letters and digits only: the value is embedded in connection URLs unescaped.
        const password = new random.RandomPassword(
          `${name}-${secret.name}-${key}`,
          { length, special: false },
          { parent: this, protect: secret.protect },
        );
        generated[key] = pulumi.secret(password.result);
      }
      const derived: Record<string, pulumi.Output<string>> = {};
      for (const [key, parts] of Object.entries(secret.derived)) {
        derived[key] = assemble(parts, generated, args.serviceHost);
      }
      this.values[secret.name] = { ...generated, ...derived };
    }
    this.registerOutputs({});
  }
}

function assemble(
  parts: TemplatePart[],
  generated: Record<string, pulumi.Output<string>>,
  serviceHost: (service: string) => string,
): pulumi.Output<string> {
  const pieces = parts.map((part): pulumi.Input<string> => {
    if ("literal" in part) return part.literal;
    if ("serviceHost" in part) return serviceHost(part.serviceHost);
    const value = generated[part.secretKey];
    if (!value) throw new Error(`derived secret refers to unknown generated key "${part.secretKey}"`);
    return value;
  });
  return pulumi.secret(pulumi.all(pieces).apply((values) => values.join("")));
}
