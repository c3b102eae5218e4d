import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { composeProject } from "../../../components/docker/offline/compose";
import { parseSecretsFile, SECRETS_FILE } from "../../../tools/render/generated-passwords";
import { SECRET_SENTINEL } from "../../../tools/render/mocks";
import { Render, RenderedResource } from "../../../tools/render/model";
import { renderStack, runRender } from "../../support/render";

type Service = Record<string, unknown>;
interface ComposeFile {
  name: string;
  services: Record<string, Service>;
  volumes: Record<string, { name: string; labels?: Record<string, string> }>;
  networks: Record<string, { name: string }>;
  secrets?: Record<string, { environment: string }>;
  configs?: Record<string, { content: string }>;
}

/** What the container sees: Compose turns `$$` back into `$`. */
function unescape(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\$\$/g, "$");
  if (Array.isArray(value)) return value.map(unescape);
  return value;
}

function readCompose(outDir: string, stack: string): ComposeFile {
  return parse(fs.readFileSync(path.join(outDir, stack, "compose.yaml"), "utf8")) as ComposeFile;
}

function serviceOf(compose: ComposeFile, resource: RenderedResource): Service {
  const service = compose.services[resource.name.replace(/^ml-platform-/, "")];
  assert.ok(service, `${resource.urn}: no Compose service`);
  return service;
}

describe("the Compose file of a Docker-target render", () => {
  const render = renderStack("dev");
  const compose = readCompose(render.outDir, "dev");
  const containers = render.resources.filter((resource) => resource.type === "docker:index/container:Container");
  const images = new Set(
    render.resources
      .filter((resource) => resource.type === "docker:index/remoteImage:RemoteImage")
      .map((resource) => String(resource.inputs.name)),
  );

  it("has one service per container of the plan and nothing else", () => {
    assert.strictEqual(compose.name, "ml-platform-dev");
    assert.deepStrictEqual(
      Object.keys(compose.services).sort(),
      containers.map((resource) => resource.name.replace(/^ml-platform-/, "")).sort(),
    );
  });

  it("runs each container with the provider's exact command, environment, user and hardening", () => {
    for (const resource of containers) {
      const service = serviceOf(compose, resource);
      const inputs = resource.inputs;
      assert.ok(images.has(String(service.image)), `${resource.urn}: image ${String(service.image)} is not pinned`);
      assert.deepStrictEqual(unescape(service.command), inputs.command, `${resource.urn}: command`);
      assert.deepStrictEqual(unescape(service.entrypoint), inputs.entrypoints, `${resource.urn}: entrypoint`);
      assert.deepStrictEqual(unescape(service.environment), inputs.envs, `${resource.urn}: environment`);
      assert.strictEqual(service.user, inputs.user, `${resource.urn}: user`);
      assert.strictEqual(service.read_only, inputs.readOnly, `${resource.urn}: read-only root`);
      assert.deepStrictEqual(service.cap_drop, ["ALL"], `${resource.urn}: capabilities`);
      assert.strictEqual(service.mem_limit, `${String(inputs.memory)}m`, `${resource.urn}: memory limit`);
      assert.strictEqual(service.cpu_quota, inputs.cpuQuota, `${resource.urn}: CPU quota`);
      assert.strictEqual(service.restart, inputs.restart, `${resource.urn}: restart policy`);
    }
  });

  it("mounts the same volumes, read-only where the plan says, and declares them under their real names", () => {
    for (const resource of containers) {
      const mounts = (resource.inputs.mounts ?? []) as { source: string; target: string; readOnly?: boolean }[];
      const volumes = (serviceOf(compose, resource).volumes ?? []) as {
        source: string;
        target: string;
        read_only: boolean;
      }[];
      assert.deepStrictEqual(
        volumes.map((volume) => [volume.source, volume.target, volume.read_only]),
        mounts.map((mount) => [mount.source, mount.target, mount.readOnly === true]),
        `${resource.urn}: mounts`,
      );
      for (const mount of mounts)
        assert.strictEqual(compose.volumes[mount.source]?.name, mount.source, `${mount.source} is not declared`);
    }
    assert.strictEqual(
      compose.volumes["ml-platform-dev-postgres-data"]?.labels?.["ml-platform.holds-state"],
      "true",
      "the database volume is not marked as holding state",
    );
  });

  it("publishes only on loopback, as the plan does, and healthchecks have no start interval (Engine < 25 refuses it)", () => {
    const published = Object.values(compose.services).flatMap(
      (service) => (service.ports ?? []) as { host_ip: string; published: string }[],
    );
    assert.deepStrictEqual(published.map((port) => `${port.host_ip}:${port.published}`).sort(), [
      "127.0.0.1:4200",
      "127.0.0.1:8080",
    ]);
    for (const [key, service] of Object.entries(compose.services))
      assert.ok(!("start_interval" in ((service.healthcheck ?? {}) as object)), `${key}: start_interval`);
  });

  it("starts each container after what the plan makes it wait for, with the condition its kind needs", () => {
    const server = compose.services["prefect-server-0"].depends_on as Record<string, { condition: string }>;
    assert.deepStrictEqual(server["postgres-0"], { condition: "service_healthy" });
    assert.deepStrictEqual(server["prefect-server-files-seed"], { condition: "service_completed_successfully" });
    const worker = compose.services["prefect-worker-0"].depends_on as Record<string, { condition: string }>;
    assert.deepStrictEqual(worker["prefect-worker-register-pool"], { condition: "service_completed_successfully" });
  });

  it("keeps shell dollars literal, so Compose does not interpolate the platform's scripts", () => {
    const text = fs.readFileSync(path.join(render.outDir, "dev", "compose.yaml"), "utf8");
    assert.ok(text.includes("$$(date +%s)"), "the training wrapper's $(date +%s) is not escaped");
    assert.ok(!/[^$]\$\(date/.test(text), "an unescaped $( reached the file");
  });

  it("delivers secrets from the secrets file, never in compose.yaml, and keeps generated passwords across renders", () => {
    const sentinel = runRender(["--stack", "dev", "--secret-sentinels"]);
    assert.strictEqual(sentinel.status, 0, sentinel.stderr);
    const text = fs.readFileSync(path.join(sentinel.outDir, "dev", "compose.yaml"), "utf8");
    assert.ok(!text.includes(SECRET_SENTINEL), "a secret value reached compose.yaml");
    const secretsPath = path.join(sentinel.outDir, "dev", SECRETS_FILE);
    assert.strictEqual(fs.statSync(secretsPath).mode & 0o777, 0o600, "the secrets file is readable by others");
    const first = parseSecretsFile(fs.readFileSync(secretsPath, "utf8"));
    const password = first.get("ML_PLATFORM_SECRETS_POSTGRES_PASSWORD");
    assert.ok(password && /^[A-Za-z0-9]{32}$/.test(password), "no 32-character generated password");
    for (const value of first.values()) assert.ok(!text.includes(value), "a generated value reached compose.yaml");
    const urls = [...first.values()].filter((value) => value.startsWith("postgresql+asyncpg://"));
    assert.deepStrictEqual(urls, [`postgresql+asyncpg://prefect:${password}@postgres:5432/prefect`]);

    const again = runRender(["--stack", "dev"], sentinel.outDir);
    assert.strictEqual(again.status, 0, again.stderr);
    const second = parseSecretsFile(fs.readFileSync(secretsPath, "utf8"));
    assert.deepStrictEqual(second, first, "a new render changed the kept passwords");
  });

  it("maps each secret file to a Compose secret copied into its seeding container", () => {
    const seed = compose.services["postgres-files-seed"];
    const secrets = seed.secrets as { source: string; target: string; mode: number }[];
    assert.deepStrictEqual(
      secrets.map((secret) => [secret.target, secret.mode]),
      [["/ml-platform-staging/0/POSTGRES_PASSWORD", 0o600]],
    );
    assert.match(String(compose.secrets?.[secrets[0].source]?.environment), /^ML_PLATFORM_FILE_[0-9A-F]{12}$/);
  });

  it("gives the work-pool registration its login and nothing else (the workers alone get the flows)", () => {
    const seed = compose.services["prefect-worker-register-pool-files-seed"];
    assert.strictEqual(seed.configs, undefined, "the registration receives plain files it has no use for");
    const secrets = seed.secrets as { target: string }[];
    assert.deepStrictEqual(
      secrets.map((secret) => path.basename(secret.target)),
      ["PREFECT_API_AUTH_STRING"],
    );
    const workerConfigs = compose.services["prefect-worker-files-seed"].configs as { target: string }[];
    assert.ok(
      workerConfigs.some((config) => config.target.endsWith("/training.py")),
      "the workers get no flows",
    );
  });

  it("refuses a container input it cannot translate, naming it", () => {
    const broken: Render = {
      ...render,
      resources: [
        ...render.resources.filter((resource) => !containers.includes(resource)),
        { ...containers[0], inputs: { ...containers[0].inputs, pidsLimit: 10 } },
      ],
    };
    assert.throws(() => composeProject(broken), /ml-platform-[a-z0-9-]+: .*container input "pidsLimit"/);
  });
});
