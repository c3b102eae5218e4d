/**
 * Translates a Swarm-target render into a stack file (docker-stack.yml): the
 * same services, networks, volumes, secrets and configs, from the same inputs
 * the Docker provider receives, so `docker stack deploy -c docker-stack.yml
 * <instance>` creates what `pulumi up` would.
 *
 * Each service input is translated or refused: an input this writer does not
 * know stops the render, so nothing is dropped silently. The stack file keeps
 * to the keys `docker stack deploy` reads (compose file format 3.9).
 *
 * Secrets never enter the file. Each Swarm secret is read from a file beside
 * it (swarm-files/secrets/, mode 0600), assembled on every render from the
 * passwords kept in .env; each Swarm config from swarm-files/configs/. Both
 * are named after their content's digest, since Swarm cannot change a secret
 * or a config in place: new content is a new object, and the services move
 * to it.
 */
import * as crypto from "crypto";
import { stringify } from "yaml";
import { generatedLengths, SecretPart, secretParts } from "../../../tools/render/generated-passwords";
import { Render, RenderedResource, SecretValue } from "../../../tools/render/model";
import { dockerName } from "../../docker/offline/docker-provider";
import { compact, escapeDollars, labelMap, list, record, strings } from "../../docker/offline/compose-format";
import { DOCKER_TYPES } from "../../docker/provider-types";

const { service: SERVICE, secret: SECRET, serviceConfig: CONFIG, volume: VOLUME, network: NETWORK } = DOCKER_TYPES;

/** Where the secret and config files live, relative to the stack file. */
export const STACK_FILES_DIRECTORY = "swarm-files";
export const STACK_FILE = "docker-stack.yml";
const SECRETS_DIRECTORY = "/run/secrets/";

export interface StackSecretFile {
  /** Path relative to the stack file's folder. */
  file: string;
  /** Literal text and generated-password variables, in order. */
  parts: SecretPart[];
}

export interface StackProject {
  yaml: string;
  /** Passwords to generate once and keep: variable -> length. */
  generated: Record<string, number>;
  secretFiles: StackSecretFile[];
  /** Non-secret files: path relative to the stack file's folder -> content. */
  configFiles: Record<string, string>;
}

export class StackTranslationError extends Error {}

function fail(resource: RenderedResource, message: string): never {
  throw new StackTranslationError(`${STACK_FILE}: ${resource.name}: ${message}`);
}

/** Refuses keys the writer does not translate. */
function known(resource: RenderedResource, where: string, value: Record<string, unknown>, keys: string[]): void {
  const unknown = Object.keys(value).filter((key) => value[key] !== undefined && !keys.includes(key));
  if (unknown.length > 0) fail(resource, `the stack file does not translate ${where} ${unknown.join(", ")}`);
}

function digest(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex").slice(0, 10);
}

const megabytes = (bytes: unknown): string => `${Math.round(Number(bytes) / (1024 * 1024))}M`;
const cpus = (nanoCpus: unknown): string => String(Number(nanoCpus) / 1e9);

function resources(resource: RenderedResource, value: unknown): Record<string, unknown> | undefined {
  const spec = record(value);
  known(resource, "taskSpec.resources", spec, ["limits", "reservation"]);
  const convert = (part: Record<string, unknown>) => ({
    cpus: part.nanoCpus === undefined ? undefined : cpus(part.nanoCpus),
    memory: part.memoryBytes === undefined ? undefined : megabytes(part.memoryBytes),
  });
  return {
    limits: spec.limits ? convert(record(spec.limits)) : undefined,
    reservations: spec.reservation ? convert(record(spec.reservation)) : undefined,
  };
}

function rolloutConfig(resource: RenderedResource, where: string, value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const config = record(value);
  known(resource, where, config, ["parallelism", "delay", "order", "failureAction", "monitor", "maxFailureRatio"]);
  return {
    parallelism: config.parallelism,
    delay: config.delay,
    order: config.order,
    failure_action: config.failureAction,
    monitor: config.monitor,
    max_failure_ratio: config.maxFailureRatio === undefined ? undefined : Number(config.maxFailureRatio),
  };
}

class Translator {
  private readonly byId = new Map<string, { resource: RenderedResource; key: string }>();
  private readonly networks: Record<string, unknown> = {};
  private readonly volumes: Record<string, unknown> = {};
  private readonly secrets: Record<string, unknown> = {};
  private readonly configs: Record<string, unknown> = {};
  readonly secretFiles: StackSecretFile[] = [];
  readonly configFiles: Record<string, string> = {};

  private readonly instance: string;

  constructor(private readonly render: Render) {
    this.instance = `${render.project}-${render.stack}`;
    const generated = render.generatedSecrets ?? [];
    for (const resource of render.resources) {
      const inputs = this.inputsOf(resource);
      const id = `${resource.name}-id`;
      if (resource.type === NETWORK) {
        const name = dockerName(resource.name, inputs);
        known(resource, "network input", inputs, ["name", "driver", "attachable", "labels"]);
        this.networks[name] = {
          name,
          driver: inputs.driver,
          attachable: inputs.attachable,
          labels: labelMap(inputs.labels),
        };
        this.byId.set(id, { resource, key: name });
      }
      if (resource.type === VOLUME) {
        const name = dockerName(resource.name, inputs);
        this.volumes[name] = {
          name,
          driver: inputs.driver,
          driver_opts: inputs.driverOpts,
          labels: labelMap(inputs.labels),
        };
      }
      if (resource.type === SECRET) {
        const data = inputs.data instanceof SecretValue ? inputs.data.mockValue : inputs.data;
        if (typeof data !== "string") fail(resource, "its data is not text");
        const parts = secretParts(Buffer.from(data, "base64").toString("utf8"), generated);
        if (!parts) fail(resource, "holds no generated password; the stack file cannot carry it");
        const key = this.shortName(resource);
        const file = `${STACK_FILES_DIRECTORY}/secrets/${key}`;
        // Named after what the value is made of (never the value): a new password file is a new secret.
        this.secrets[key] = { name: `${this.instance}-${key}-${digest(JSON.stringify(parts))}`, file: `./${file}` };
        this.secretFiles.push({ file, parts });
        this.byId.set(id, { resource, key });
      }
      if (resource.type === CONFIG) {
        const content = inputs.dataRaw;
        if (typeof content !== "string") fail(resource, "has no dataRaw text");
        const key = this.shortName(resource);
        const file = `${STACK_FILES_DIRECTORY}/configs/${key}`;
        this.configs[key] = { name: `${this.instance}-${key}-${digest(content)}`, file: `./${file}` };
        this.configFiles[file] = content;
        this.byId.set(id, { resource, key });
      }
    }
  }

  private inputsOf(resource: RenderedResource): Record<string, unknown> {
    return resource.secretAwareInputs ?? resource.inputs;
  }

  /** A secret's or config's name without the platform's prefixes, e.g. "postgres-password". */
  private shortName(resource: RenderedResource): string {
    return resource.name.replace(new RegExp(`^${this.render.project}-files-(secret|config)-`), "");
  }

  private reference(resource: RenderedResource, id: unknown, what: string): string {
    const found = this.byId.get(String(id));
    if (!found) fail(resource, `refers to ${what} ${String(id)}, which is not in the render`);
    return found.key;
  }

  private mounts(resource: RenderedResource, value: unknown): unknown[] {
    return list(value)
      .map(record)
      .map((mount) => {
        known(resource, "mount", mount, ["type", "source", "target", "readOnly", "volumeOptions", "tmpfsOptions"]);
        if (mount.type === "tmpfs") {
          const options = record(mount.tmpfsOptions);
          return { type: "tmpfs", target: mount.target, tmpfs: { size: options.sizeBytes } };
        }
        if (mount.type !== "volume") fail(resource, `mounts a ${String(mount.type)}, which the platform never does`);
        const options = record(mount.volumeOptions);
        return {
          type: "volume",
          source: mount.source,
          target: mount.target,
          read_only: mount.readOnly === true,
          ...(options.noCopy === true ? { volume: { nocopy: true } } : {}),
        };
      });
  }

  private files(resource: RenderedResource, value: unknown, kind: "secret" | "config"): unknown[] | undefined {
    const entries = list(value).map(record);
    if (entries.length === 0) return undefined;
    return entries.map((entry) => {
      const id = kind === "secret" ? entry.secretId : entry.configId;
      const fileName = String(entry.fileName);
      return {
        source: this.reference(resource, id, kind),
        // A secret's target is its name under /run/secrets; a config's is its path.
        target:
          kind === "secret" && fileName.startsWith(SECRETS_DIRECTORY)
            ? fileName.slice(SECRETS_DIRECTORY.length)
            : fileName,
        uid: entry.fileUid,
        gid: entry.fileGid,
        mode: entry.fileMode,
      };
    });
  }

  service(resource: RenderedResource): [string, Record<string, unknown>] {
    const inputs = this.inputsOf(resource);
    for (const [key, value] of Object.entries(inputs))
      if (value instanceof SecretValue) fail(resource, `its ${key} is secret; the stack file would print it`);
    known(resource, "service input", inputs, [
      "name",
      "labels",
      "taskSpec",
      "mode",
      "updateConfig",
      "rollbackConfig",
      "endpointSpec",
    ]);
    const task = record(inputs.taskSpec);
    known(resource, "taskSpec", task, [
      "containerSpec",
      "resources",
      "restartPolicy",
      "placement",
      "networksAdvanceds",
      "logDriver",
    ]);
    const container = record(task.containerSpec);
    known(resource, "containerSpec", container, [
      "image",
      "args",
      "commands",
      "env",
      "user",
      "readOnly",
      "capDrops",
      "capAdds",
      "init",
      "mounts",
      "secrets",
      "configs",
      "healthcheck",
      "stopGracePeriod",
      "labels",
    ]);
    const name = String(inputs.name);
    const prefix = `${this.render.project}-${this.render.stack}_`;
    if (!name.startsWith(prefix)) fail(resource, `its name ${name} is not in the stack ${prefix.slice(0, -1)}`);
    const check = record(container.healthcheck);
    const restart = record(task.restartPolicy);
    const placement = record(task.placement);
    const mode = record(inputs.mode);
    if (mode.global !== undefined) fail(resource, "is global, which the platform never is");
    const endpoint = record(inputs.endpointSpec);
    const logDriver = record(task.logDriver);
    return [
      name.slice(prefix.length),
      {
        image: container.image,
        entrypoint: container.commands ? strings(container.commands) : undefined,
        command: container.args ? strings(container.args) : undefined,
        environment: container.env ? record(container.env) : undefined,
        user: container.user,
        read_only: container.readOnly === true ? true : undefined,
        cap_drop: container.capDrops ? strings(container.capDrops) : undefined,
        cap_add: container.capAdds ? strings(container.capAdds) : undefined,
        init: container.init === true ? true : undefined,
        stop_grace_period: container.stopGracePeriod,
        healthcheck: container.healthcheck
          ? {
              test: strings(check.tests),
              interval: check.interval,
              timeout: check.timeout,
              retries: check.retries,
              start_period: check.startPeriod,
            }
          : undefined,
        labels: labelMap(container.labels),
        volumes: container.mounts ? this.mounts(resource, container.mounts) : undefined,
        secrets: this.files(resource, container.secrets, "secret"),
        configs: this.files(resource, container.configs, "config"),
        networks: Object.fromEntries(
          list(task.networksAdvanceds)
            .map(record)
            .map((network) => [
              this.reference(resource, network.name, "network"),
              network.aliases ? { aliases: strings(network.aliases) } : {},
            ]),
        ),
        ports: endpoint.ports
          ? list(endpoint.ports)
              .map(record)
              .map((port) => ({
                target: port.targetPort,
                published: port.publishedPort,
                protocol: port.protocol,
                mode: port.publishMode,
              }))
          : undefined,
        logging: task.logDriver ? { driver: logDriver.name, options: record(logDriver.options) } : undefined,
        deploy: {
          mode: "replicated",
          replicas: record(mode.replicated).replicas,
          endpoint_mode: endpoint.mode,
          labels: labelMap(inputs.labels),
          resources: task.resources ? resources(resource, task.resources) : undefined,
          restart_policy: task.restartPolicy
            ? {
                condition: restart.condition,
                delay: restart.delay,
                max_attempts: restart.maxAttempts,
                window: restart.window,
              }
            : undefined,
          placement: placement.constraints ? { constraints: strings(placement.constraints) } : undefined,
          update_config: rolloutConfig(resource, "updateConfig", inputs.updateConfig),
          rollback_config: rolloutConfig(resource, "rollbackConfig", inputs.rollbackConfig),
        },
      },
    ];
  }

  document(): Record<string, unknown> {
    const services = Object.fromEntries(
      this.render.resources.filter((resource) => resource.type === SERVICE).map((resource) => this.service(resource)),
    );
    return {
      version: "3.9",
      services,
      networks: this.networks,
      volumes: this.volumes,
      secrets: Object.keys(this.secrets).length > 0 ? this.secrets : undefined,
      configs: Object.keys(this.configs).length > 0 ? this.configs : undefined,
    };
  }
}

function header(render: Render): string {
  const stack = `${render.project}-${render.stack}`;
  return [
    "# Rendered by `npm run render` from the same inputs the Docker provider receives (resources.json).",
    `# Secrets are not in this file: they are read from ${STACK_FILES_DIRECTORY}/secrets/ beside it (mode 0600), assembled`,
    "# from the passwords in .env, which are generated once and kept.",
    `# Deploy (on a swarm manager, with the node label of swarm.databaseNodeLabel set): docker stack deploy -c ${STACK_FILE} ${stack}`,
    `# Remove, keeping volumes: docker stack rm ${stack}`,
    "",
  ].join("\n");
}

/** The stack file of a Swarm-target render, and the files it reads. */
export function stackProject(render: Render): StackProject {
  const translator = new Translator(render);
  const document = escapeDollars(compact(translator.document()));
  return {
    yaml: header(render) + stringify(document, { lineWidth: 0 }),
    generated: generatedLengths(render.generatedSecrets ?? []),
    secretFiles: translator.secretFiles,
    configFiles: translator.configFiles,
  };
}
