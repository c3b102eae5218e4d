/**
 * Translates a Docker-target render into a Compose file: the same containers,
 * volumes and network, with the same inputs the Docker provider receives, so
 * `docker compose up` creates what `pulumi up` would, and a reader sees what
 * the stack really runs.
 *
 * Each container input is translated or named as one Compose has no use for
 * (the provider's own wait and attach settings); an input this writer does not
 * know stops the render, so nothing is ever dropped silently.
 *
 * Secrets never enter the file. The provider delivers files by uploading them
 * into a seeding container before it starts; here each non-secret upload is a
 * Compose config with inline content, and each secret upload a Compose secret
 * read from a variable in the stack's secrets file (see compose-secrets.ts).
 * Compose copies both into the container before it starts, as the provider does.
 */
import * as crypto from "crypto";
import { stringify } from "yaml";
import { generatedLengths, SecretPart, secretParts } from "../../../tools/render/generated-passwords";
import { GeneratedSecret, Render, RenderedResource, SecretValue } from "../../../tools/render/model";
import { dockerName, mockImageId } from "./docker-provider";
import { compact, escapeDollars, labelMap, list, record, strings } from "./compose-format";
import { DOCKER_TYPES } from "../provider-types";

const { container: CONTAINER, volume: VOLUME, network: NETWORK, remoteImage: REMOTE_IMAGE } = DOCKER_TYPES;

/** Inputs that only steer the Pulumi provider (waiting, attaching, recording logs): nothing to translate. */
const PROVIDER_ONLY = new Set(["attach", "logs", "mustRun", "wait", "waitTimeout", "destroyGraceSeconds"]);

/** A secret file's content: literal text with generated passwords in between. */
export interface SecretFileTemplate {
  /** The variable in the secrets file that holds the assembled content. */
  variable: string;
  /** Literal text and generated-password variables, in order. */
  parts: SecretPart[];
}

export interface ComposeProject {
  /** The Compose file's text. */
  yaml: string;
  /** Passwords to generate once and keep: variable -> length. */
  generated: Record<string, number>;
  /** Secret files assembled from the generated passwords. */
  secretFiles: SecretFileTemplate[];
}

export class ComposeTranslationError extends Error {}

function fail(resource: RenderedResource, message: string): never {
  throw new ComposeTranslationError(`compose.yaml: ${resource.name}: ${message}`);
}

function serviceKey(render: Render, resource: RenderedResource): string {
  return resource.name.startsWith(`${render.project}-`)
    ? resource.name.slice(render.project.length + 1)
    : resource.name;
}

function isRunToCompletion(inputs: Record<string, unknown>): boolean {
  return inputs.attach === true && inputs.restart === "no";
}

const mebibytes = (value: unknown): string => `${Number(value)}m`;
const isTrue = (value: unknown): boolean => value === true;

/** Container inputs that map one to one onto a Compose service key, with the conversion each needs. */
const RENAMED_INPUTS: Record<string, { key: string; convert: (value: unknown) => unknown }> = {
  entrypoints: { key: "entrypoint", convert: strings },
  command: { key: "command", convert: strings },
  envs: { key: "environment", convert: strings },
  user: { key: "user", convert: String },
  readOnly: { key: "read_only", convert: isTrue },
  tmpfs: {
    key: "tmpfs",
    convert: (value) => Object.entries(record(value)).map(([path, options]) => `${path}:${String(options)}`),
  },
  securityOpts: { key: "security_opt", convert: strings },
  init: { key: "init", convert: isTrue },
  memory: { key: "mem_limit", convert: mebibytes },
  memoryReservation: { key: "mem_reservation", convert: mebibytes },
  memorySwap: { key: "memswap_limit", convert: mebibytes },
  cpus: { key: "cpus", convert: Number },
  cpuPeriod: { key: "cpu_period", convert: Number },
  cpuQuota: { key: "cpu_quota", convert: Number },
  cpuShares: { key: "cpu_shares", convert: Number },
  labels: { key: "labels", convert: labelMap },
  restart: { key: "restart", convert: String },
  stopTimeout: { key: "stop_grace_period", convert: (value) => `${Number(value)}s` },
};

class Translator {
  private readonly images = new Map<string, string>();
  private readonly byUrn: Map<string, RenderedResource>;
  private readonly configs: Record<string, { content: string }> = {};
  private readonly secrets: Record<string, { environment: string }> = {};
  readonly secretFiles: SecretFileTemplate[] = [];

  constructor(
    private readonly render: Render,
    private readonly generated: GeneratedSecret[],
  ) {
    this.byUrn = new Map(render.resources.map((resource) => [resource.urn, resource]));
    for (const image of render.resources.filter((resource) => resource.type === REMOTE_IMAGE)) {
      const reference = String(image.inputs.name);
      this.images.set(mockImageId(reference), reference);
    }
  }

  private inputsOf(resource: RenderedResource): Record<string, unknown> {
    return resource.secretAwareInputs ?? resource.inputs;
  }

  private image(resource: RenderedResource, imageId: unknown): string {
    const reference = this.images.get(String(imageId));
    if (!reference) fail(resource, `its image ${String(imageId)} is not one of the stack's RemoteImages`);
    return reference;
  }

  private dependsOn(resource: RenderedResource): Record<string, { condition: string }> | undefined {
    const entries: [string, { condition: string }][] = [];
    for (const urn of resource.options.dependsOn) {
      const dependency = this.byUrn.get(urn);
      if (!dependency) fail(resource, `depends on ${urn}, which is not in the render`);
      if (dependency.type !== CONTAINER) continue; // Compose creates volumes and networks before any container.
      const inputs = this.inputsOf(dependency);
      const condition = isRunToCompletion(inputs)
        ? "service_completed_successfully"
        : inputs.healthcheck
          ? "service_healthy"
          : "service_started";
      entries.push([serviceKey(this.render, dependency), { condition }]);
    }
    return entries.length > 0 ? Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b))) : undefined;
  }

  /** Uploads become configs (plain files) and secrets (generated content), copied in before the container starts. */
  private uploads(resource: RenderedResource, value: unknown): Record<string, unknown> {
    const secret = value instanceof SecretValue;
    const uploads = list(secret ? value.mockValue : value).map(record);
    const configs: Record<string, unknown>[] = [];
    const secrets: Record<string, unknown>[] = [];
    for (const upload of uploads) {
      const file = String(upload.file);
      const mode = parseInt(String(upload.permissions ?? "0644"), 8);
      const key = `${serviceKey(this.render, resource)}${file}`.replace(/[^A-Za-z0-9_.-]+/g, "_");
      const content = upload.content instanceof SecretValue ? upload.content.mockValue : upload.content;
      if (typeof content !== "string") fail(resource, `upload ${file} has no text content`);
      const parts = secret || upload.content instanceof SecretValue ? secretParts(content, this.generated) : undefined;
      // The provider marks a whole upload list secret when one file is. Every secret the platform
      // delivers as a file is generated or assembled from generated passwords (SecretSpec has no
      // other kind), so a file of a secret list that holds none of them is a plain file; a file
      // that is itself marked secret and holds none would have to be written out: refuse.
      if (upload.content instanceof SecretValue && !parts)
        fail(resource, `secret upload ${file} holds no generated password; Compose cannot carry it`);
      if (parts) {
        const variable = `ML_PLATFORM_FILE_${crypto.createHash("sha256").update(key).digest("hex").slice(0, 12).toUpperCase()}`;
        this.secretFiles.push({ variable, parts });
        this.secrets[key] = { environment: variable };
        secrets.push({ source: key, target: file, mode });
      } else {
        this.configs[key] = { content };
        configs.push({ source: key, target: file, mode });
      }
    }
    return { configs: configs.length > 0 ? configs : undefined, secrets: secrets.length > 0 ? secrets : undefined };
  }

  service(resource: RenderedResource): Record<string, unknown> {
    const inputs = this.inputsOf(resource);
    const service: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inputs)) {
      if (PROVIDER_ONLY.has(key)) continue;
      if (value instanceof SecretValue && key !== "uploads")
        fail(resource, `its ${key} is secret; Compose would print it in the file`);
      const renamed = RENAMED_INPUTS[key];
      if (renamed) {
        service[renamed.key] = renamed.convert(value);
        continue;
      }
      switch (key) {
        case "image":
          service.image = this.image(resource, value);
          break;
        case "capabilities": {
          const capabilities = record(value);
          if (capabilities.drops) service.cap_drop = strings(capabilities.drops);
          if (capabilities.adds) service.cap_add = strings(capabilities.adds);
          break;
        }
        case "deviceRequests":
          service.deploy = {
            resources: {
              reservations: {
                devices: list(value)
                  .map(record)
                  .map((request) => ({
                    driver: request.driver,
                    count: request.count,
                    capabilities: strings(request.capabilities),
                  })),
              },
            },
          };
          break;
        case "mounts":
          service.volumes = list(value)
            .map(record)
            .map((mount) => {
              const options = record(mount.volumeOptions);
              return {
                type: String(mount.type),
                source: String(mount.source),
                target: String(mount.target),
                read_only: mount.readOnly === true,
                ...(options.noCopy === true ? { volume: { nocopy: true } } : {}),
              };
            });
          break;
        case "networksAdvanced":
          service.networks = Object.fromEntries(
            list(value)
              .map(record)
              .map((network) => [String(network.name), network.aliases ? { aliases: strings(network.aliases) } : {}]),
          );
          break;
        case "ports":
          service.ports = list(value)
            .map(record)
            .map((port) => ({
              target: Number(port.internal),
              published: String(port.external),
              host_ip: String(port.ip ?? "0.0.0.0"),
              protocol: String(port.protocol ?? "tcp"),
            }));
          break;
        case "logDriver":
          service.logging = { ...record(service.logging), driver: String(value) };
          break;
        case "logOpts":
          service.logging = { ...record(service.logging), options: record(value) };
          break;
        case "healthcheck": {
          const check = record(value);
          service.healthcheck = {
            test: strings(check.tests),
            interval: check.interval,
            timeout: check.timeout,
            retries: check.retries,
            start_period: check.startPeriod,
            start_interval: check.startInterval,
          };
          break;
        }
        case "uploads":
          Object.assign(service, this.uploads(resource, value));
          break;
        default:
          fail(resource, `Compose translation does not know the container input "${key}"`);
      }
    }
    if (service.stop_grace_period === undefined && inputs.destroyGraceSeconds !== undefined)
      service.stop_grace_period = `${Number(inputs.destroyGraceSeconds)}s`;
    service.depends_on = this.dependsOn(resource);
    return service;
  }

  project(): Record<string, unknown> {
    const services: Record<string, unknown> = {};
    const volumes: Record<string, unknown> = {};
    const networks: Record<string, unknown> = {};
    for (const resource of this.render.resources) {
      const inputs = this.inputsOf(resource);
      if (resource.type === CONTAINER) services[serviceKey(this.render, resource)] = this.service(resource);
      if (resource.type === VOLUME) {
        const name = dockerName(resource.name, inputs);
        volumes[name] = {
          name,
          driver: inputs.driver,
          driver_opts: inputs.driverOpts,
          labels: labelMap(inputs.labels),
        };
      }
      if (resource.type === NETWORK) {
        const name = dockerName(resource.name, inputs);
        networks[name] = { name, driver: inputs.driver, labels: labelMap(inputs.labels) };
      }
    }
    return {
      name: `${this.render.project}-${this.render.stack}`,
      services,
      volumes,
      networks,
      configs: Object.keys(this.configs).length > 0 ? this.configs : undefined,
      secrets: Object.keys(this.secrets).length > 0 ? this.secrets : undefined,
    };
  }
}

const HEADER = [
  "# Rendered by `npm run render` from the same inputs the Docker provider receives (resources.json).",
  "# Secrets are not in this file: they come from .env beside it (mode 0600), generated once and kept.",
  "# Run: docker compose -f <this file> up -d --wait      Tear down, keeping volumes: docker compose -f <this file> down",
  "",
].join("\n");

/** The Compose project of a Docker-target render. */
export function composeProject(render: Render): ComposeProject {
  const generatedSecrets = render.generatedSecrets ?? [];
  const translator = new Translator(render, generatedSecrets);
  const document = escapeDollars(compact(translator.project()));
  return {
    yaml: HEADER + stringify(document, { lineWidth: 0 }),
    generated: generatedLengths(generatedSecrets),
    secretFiles: translator.secretFiles,
  };
}
