/**
 * Files a service's tasks receive: each secret value as a Swarm secret and
 * each bundled file (scripts, configs) as a Swarm config. Swarm mounts both
 * into the task's filesystem before it starts, with their owner and mode, so
 * a read-only root needs no seeding container as on the Docker target, and no
 * value ever passes through the service's environment or its inspect output.
 *
 * Swarm secrets and configs cannot change: a new value is a new object (the
 * provider names it with a random suffix), the services move to it, and the
 * old one is removed once nothing uses it.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { FileBundle } from "../../platform/model";
import { SecretValues } from "../secrets";
import { labelList, recommendedLabels } from "../docker/labels";

export class SwarmFiles extends pulumi.ComponentResource {
  private readonly secrets = new Map<string, docker.Secret>();
  private readonly configs = new Map<string, { config: docker.ServiceConfig; content: string }>();

  constructor(
    private readonly name: string,
    private readonly instance: string,
    private readonly values: SecretValues,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("ml-platform:swarm:Files", name, {}, opts);
    this.registerOutputs({});
  }

  private labels(role: string): { label: string; value: pulumi.Input<string> }[] {
    return labelList(recommendedLabels({ instance: this.instance, name: role, component: "files" }));
  }

  /** The Swarm secret holding one key of a platform secret; created once, shared by every service. */
  secret(secret: string, key: string): docker.Secret {
    const id = `${secret}-${key}`;
    const existing = this.secrets.get(id);
    if (existing) return existing;
    const value = this.values[secret]?.[key];
    if (!value) throw new Error(`no key "${key}" in secret "${secret}"`);
    const created = new docker.Secret(
      `${this.name}-secret-${id}`,
      {
        data: pulumi.secret(value.apply((text) => Buffer.from(text, "utf8").toString("base64"))),
        labels: this.labels(id),
      },
      { parent: this },
    );
    this.secrets.set(id, created);
    return created;
  }

  /** The Swarm config holding one file of a bundle; the same bundle file is one config for all its services. */
  config(bundle: FileBundle, file: string): docker.ServiceConfig {
    const id = `${bundle.name}-${file}`.toLowerCase().replace(/[^a-z0-9-]+/g, "-");
    const content = bundle.files[file];
    const existing = this.configs.get(id);
    if (existing) {
      if (existing.content !== content)
        throw new Error(`bundle ${bundle.name} delivers two different versions of ${file}`);
      return existing.config;
    }
    const config = new docker.ServiceConfig(
      `${this.name}-config-${id}`,
      { dataRaw: content, labels: this.labels(bundle.name) },
      { parent: this },
    );
    this.configs.set(id, { config, content });
    return config;
  }
}
