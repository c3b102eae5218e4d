/**
 * The dev stack as the committed Pulumi.dev.yaml builds it: the whole program
 * rendered offline, with the Docker target's promises checked on the result.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { validatePlatformConfig } from "../../config/validate";
import { decodeProjectConfig } from "../../config/load";
import { PlatformConfig } from "../../config/schema";
import { projectRoot } from "../../platform/project-root";
import { SECRET_SENTINEL } from "../../tools/render/mocks";
import { Render, RenderedResource, SECRET_MASK } from "../../tools/render/model";
import { readStackConfig } from "../../tools/render/stack-config";
import { renderStack, runRender } from "../support/render";
import { cpuLimitMillis } from "../../components/docker/container";
import { SECRETS_FILE } from "../../tools/render/generated-passwords";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const RECOMMENDED_LABELS = ["name", "instance", "component", "part-of", "managed-by"].map(
  (key) => `app.kubernetes.io/${key}`,
);

/** The config the dev stack runs with, read and validated the way the program does. */
function devConfig(): PlatformConfig {
  const source = readStackConfig(projectRoot(), "dev");
  const result = validatePlatformConfig(decodeProjectConfig(source.config));
  if (!result.ok) throw new Error(`Pulumi.dev.yaml does not validate: ${JSON.stringify(result.problems)}`);
  return result.config;
}

function containers(render: Render): RenderedResource[] {
  return render.resources.filter((resource) => resource.type === CONTAINER);
}

function labels(resource: RenderedResource): Record<string, string> {
  const list = (resource.inputs.labels as { label: string; value: string }[] | undefined) ?? [];
  return Object.fromEntries(list.map(({ label, value }) => [label, value]));
}

/** Containers of one workload, by their app.kubernetes.io/name and component labels. */
function workload(render: Render, name: string, component?: string): RenderedResource[] {
  return containers(render).filter((resource) => {
    const own = labels(resource);
    return (
      own["app.kubernetes.io/name"] === name &&
      (component === undefined || own["app.kubernetes.io/component"] === component)
    );
  });
}

/** Long-running containers: everything `pulumi up` does not attach to until it exits. */
function longRunning(render: Render): RenderedResource[] {
  return containers(render).filter((resource) => resource.inputs.attach !== true);
}

function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), fs.readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

/** Every string in a value, with where it is. */
function strings(value: unknown, at = ""): { path: string; value: string }[] {
  if (typeof value === "string") return [{ path: at, value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${at}[${index}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, child]) => strings(child, at ? `${at}.${key}` : key));
  }
  return [];
}

describe("dev stack (Pulumi.dev.yaml on the Docker target)", function () {
  this.timeout(120000);
  let render: Render;
  let config: PlatformConfig;

  before(() => {
    config = devConfig();
    render = renderStack("dev");
  });

  it("is the docker target, and the stack file says so", () => {
    const file = parse(fs.readFileSync(path.join(projectRoot(), "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    assert.strictEqual(file.config["ml-platform:target"], "docker");
    assert.strictEqual(render.target, "docker");
  });

  describe("every platform part exists", () => {
    it("retraining is a Prefect deployment on retraining.schedule, registered by a one-shot after the workers, whose flow the workers carry", () => {
      const [registration, ...more] = workload(render, "retraining-register-deployment", "retraining");
      assert.ok(registration && more.length === 0, "expected one container that registers the retraining deployment");
      assert.strictEqual(registration.inputs.attach, true, "the registration is not run to completion");
      const command = registration.inputs.command as string[];
      assert.strictEqual(command[command.indexOf("--schedule") + 1], config.retraining.schedule);
      assert.strictEqual(command[command.indexOf("--pool") + 1], config.worker.workPool);
      const parameters = JSON.parse(command[command.indexOf("--parameters") + 1]) as Record<string, unknown>;
      assert.deepStrictEqual(
        [parameters.epochs, parameters.completions, parameters.starting_deadline_seconds],
        [config.training.epochs, config.training.completions, config.retraining.startingDeadlineSeconds],
      );
      assert.ok(
        !longRunning(render).some((resource) => labels(resource)["app.kubernetes.io/name"] === "retraining"),
        "a long-running retraining container exists besides the deployment",
      );
    });

    it("postgres and the Prefect server, one container each", () => {
      for (const name of ["postgres", "prefect-server"]) {
        const found = longRunning(render).filter((resource) => labels(resource)["app.kubernetes.io/name"] === name);
        assert.strictEqual(
          found.length,
          1,
          `expected one long-running ${name} container, found ${found.map((resource) => resource.name).join(", ") || "none"}`,
        );
      }
    });

    it("serving.replicas model-serving replicas behind one proxy", () => {
      const replicas = workload(render, "model-serving", "inference");
      assert.strictEqual(
        replicas.length,
        config.serving.replicas,
        `model-serving replicas: ${replicas.map((resource) => resource.name).join(", ")}`,
      );
      const proxies = workload(render, "model-serving-proxy", "proxy");
      assert.strictEqual(proxies.length, 1, "expected one serving proxy");
    });

    it("worker.replicas Prefect workers", () => {
      assert.strictEqual(
        workload(render, "prefect-worker", "worker").length,
        config.worker.replicas,
        "prefect-worker containers",
      );
    });

    it("training.completions training runs", () => {
      assert.strictEqual(workload(render, "training", "training").length, config.training.completions, "training runs");
    });

    it("the data, models and database volumes, one network and the generated database password", () => {
      const volumeNames = render.resources
        .filter((resource) => resource.type === VOLUME)
        .map((resource) => resource.inputs.name);
      for (const volume of ["data", "models", "postgres-data"]) {
        assert.ok(
          volumeNames.includes(`ml-platform-dev-${volume}`),
          `no volume ml-platform-dev-${volume} among ${volumeNames.join(", ")}`,
        );
      }
      assert.strictEqual(
        render.resources.filter((resource) => resource.type === "docker:index/network:Network").length,
        1,
        "networks",
      );
      assert.ok(
        render.resources.some((resource) => resource.type === "random:index/randomPassword:RandomPassword"),
        "no generated password",
      );
    });

    it("answers with the UI URL, the serving URL, the work pool and what runs retraining", () => {
      assert.strictEqual(render.outputs.prefectUiUrl, config.server.publicUrl, "prefectUiUrl");
      assert.strictEqual(
        render.outputs.servingUrl,
        `http://127.0.0.1:${config.docker.servingHostPort}/serving`,
        "servingUrl",
      );
      assert.strictEqual(render.outputs.workPool, config.worker.workPool, "workPool");
      assert.ok(
        String(render.outputs.retraining).includes(`"${config.retraining.schedule}" (UTC)`),
        `retraining: ${render.outputs.retraining}`,
      );
    });
  });

  describe("long-running containers", () => {
    it("each have memory and CPU limits, a healthcheck that `pulumi up` waits on, a restart policy and the recommended labels", () => {
      const all = longRunning(render);
      assert.ok(all.length >= 6, `only ${all.length} long-running containers`);
      for (const resource of all) {
        assert.ok((resource.inputs.memory as number) > 0, `${resource.urn}: no memory limit`);
        assert.ok(cpuLimitMillis(resource.inputs) > 0, `${resource.urn}: no CPU limit`);
        assert.strictEqual(resource.inputs.cpus, undefined, `${resource.urn}: \`cpus\` fails on hosts with fewer CPUs`);
        const tests = (resource.inputs.healthcheck as { tests?: string[] } | undefined)?.tests ?? [];
        assert.ok(tests.length > 1 && tests[0] === "CMD", `${resource.urn}: no healthcheck`);
        assert.strictEqual(resource.inputs.wait, true, `${resource.urn}: not waited for`);
        assert.ok((resource.inputs.waitTimeout as number) > 0, `${resource.urn}: no wait timeout`);
        assert.strictEqual(resource.inputs.restart, "unless-stopped", `${resource.urn}: restart policy`);
        const own = labels(resource);
        for (const key of RECOMMENDED_LABELS) assert.ok(own[key], `${resource.urn}: no ${key} label`);
      }
    });

    it("each run read-only, without capabilities or new privileges, and not as root", () => {
      for (const resource of longRunning(render)) {
        assert.strictEqual(resource.inputs.readOnly, true, `${resource.urn}: writable root filesystem`);
        assert.deepStrictEqual(
          (resource.inputs.capabilities as { drops?: string[] })?.drops,
          ["ALL"],
          `${resource.urn}: capabilities`,
        );
        assert.ok(
          (resource.inputs.securityOpts as string[]).includes("no-new-privileges:true"),
          `${resource.urn}: no-new-privileges`,
        );
        assert.ok(!/^0(:|$)/.test(String(resource.inputs.user)), `${resource.urn}: runs as root`);
      }
    });
  });

  it("publishes every port on 127.0.0.1 only", () => {
    const published = containers(render).flatMap((resource) =>
      ((resource.inputs.ports as { ip?: string }[] | undefined) ?? []).map((port) => ({ resource, port })),
    );
    assert.strictEqual(published.length, 2, "expected two published ports: the Prefect server and the serving proxy");
    for (const { resource, port } of published)
      assert.strictEqual(port.ip, "127.0.0.1", `${resource.urn} publishes on ${port.ip ?? "all interfaces"}`);
  });

  it("keeps the platform's volumes on destroy: protected and retained", () => {
    const persistent = render.resources.filter(
      (resource) => resource.type === VOLUME && labels(resource)["ml-platform.holds-state"] === "true",
    );
    assert.strictEqual(persistent.length, 3, "data, models and postgres-data");
    for (const volume of persistent) {
      assert.strictEqual(volume.options.protect, config.protectStorage, `${volume.urn}: protect`);
      assert.strictEqual(volume.options.retainOnDelete, config.protectStorage, `${volume.urn}: retainOnDelete`);
    }
  });

  it("protects the database password with the storage, so a teardown that keeps the volume keeps a password that opens it", () => {
    const passwords = render.resources.filter(
      (resource) => resource.type === "random:index/randomPassword:RandomPassword",
    );
    assert.deepStrictEqual(passwords.map((password) => password.name).sort(), [
      "ml-platform-secrets-model-publish-token",
      "ml-platform-secrets-postgres-password",
      "ml-platform-secrets-prefect-auth-password",
    ]);
    for (const password of passwords) {
      const guardsStorage = password.name.includes("postgres");
      assert.strictEqual(password.options.protect, guardsStorage && config.protectStorage, `${password.urn}: protect`);
    }
  });

  it("runs training to completion, records exit code and log, and starts serving only after it", () => {
    const runs = workload(render, "training", "training");
    for (const run of runs) {
      assert.deepStrictEqual(
        [run.inputs.attach, run.inputs.logs, run.inputs.mustRun],
        [true, true, false],
        `${run.urn}: attach, logs, mustRun`,
      );
    }
    for (const replica of workload(render, "model-serving", "inference")) {
      for (const run of runs)
        assert.ok(replica.options.dependsOn.includes(run.urn), `${replica.urn} does not wait for ${run.urn}`);
    }
  });

  it("runs every container from a pulled image's ID, so an unchanged image never replaces it", () => {
    const images = render.resources.filter((resource) => resource.type === "docker:index/remoteImage:RemoteImage");
    const references = images.map((image) => image.inputs.name);
    const ids = new Set<string>();
    for (const resource of containers(render)) {
      const image = String(resource.inputs.image);
      assert.match(image, /^sha256:[0-9a-f]{64}$/, `${resource.urn} runs "${image}", not an image ID`);
      assert.ok(!references.includes(image), `${resource.urn} runs an image by name`);
      ids.add(image);
    }
    assert.strictEqual(
      ids.size,
      images.length,
      `containers run ${ids.size} distinct images, but ${images.length} are pulled`,
    );
  });

  describe("secrets", () => {
    it("never appear in a plain environment variable, a command or a label", () => {
      for (const resource of containers(render)) {
        for (const field of ["envs", "command", "entrypoints", "labels", "healthcheck"]) {
          for (const leaf of strings(resource.inputs[field], field)) {
            assert.ok(!leaf.value.includes(SECRET_MASK), `${resource.urn}: a secret is at ${leaf.path}`);
          }
        }
      }
    });

    it("reach containers only as uploaded files (sentinel render: the password and the database URL)", () => {
      const run = runRender(["--stack", "dev", "--secret-sentinels"]);
      assert.strictEqual(run.status, 0, `sentinel render failed:\n${run.stderr}`);
      const sentinel = JSON.parse(fs.readFileSync(path.join(run.outDir, "dev", "resources.json"), "utf8")) as Render;
      const sightings = sentinel.resources.flatMap((resource) =>
        strings(resource.inputs)
          .filter((leaf) => leaf.value.includes(SECRET_SENTINEL))
          .map((leaf) => ({ resource, path: leaf.path, value: leaf.value })),
      );
      const outsideUploads = sightings.filter(
        ({ resource, path: at }) =>
          resource.type !== "random:index/randomPassword:RandomPassword" &&
          !(resource.type === CONTAINER && /^uploads\[\d+\]\.content$/.test(at)),
      );
      assert.deepStrictEqual(
        outsideUploads.map(({ resource, path: at }) => `${resource.urn} at ${at}`),
        [],
        "secret values outside uploads",
      );
      const uploaded = sightings.filter(({ resource }) => resource.type === CONTAINER);
      assert.ok(
        uploaded.some(({ value }) => /^postgresql\+asyncpg:\/\//.test(value)),
        "the database URL is not delivered as a file",
      );
      assert.ok(
        uploaded.some(({ value }) => !value.includes("://")),
        "the postgres password is not delivered as a file",
      );
      for (const { resource } of uploaded) {
        const user = labels(resource)["app.kubernetes.io/name"];
        // The database's password and URL, Prefect's login for the server and its clients (the workers and
        // the retraining deployment's registration), and the model intake's token for serving.
        assert.ok(
          ["postgres", "prefect-server", "prefect-worker", "retraining-register-deployment", "model-serving"].includes(
            user,
          ),
          `${resource.urn} receives a secret it has no use for`,
        );
      }
    });

    it("are read from files by the containers that need them", () => {
      const [postgres] = longRunning(render).filter(
        (resource) => labels(resource)["app.kubernetes.io/name"] === "postgres",
      );
      assert.ok(
        (postgres.inputs.envs as string[]).some((env) => /^POSTGRES_PASSWORD_FILE=\/run\/secrets\//.test(env)),
        `${postgres.urn}: POSTGRES_PASSWORD_FILE`,
      );
      const [server] = longRunning(render).filter(
        (resource) => labels(resource)["app.kubernetes.io/name"] === "prefect-server",
      );
      assert.match(
        (server.inputs.command as string[])[2],
        /PREFECT_SERVER_DATABASE_CONNECTION_URL="\$\(cat \/run\/secrets\//,
        `${server.urn}: the database URL is not read from its file`,
      );
    });
  });

  it("renders byte-identically twice", () => {
    const first = runRender(["--stack", "dev"]);
    const second = runRender(["--stack", "dev"]);
    assert.strictEqual(first.status, 0, first.stderr);
    assert.strictEqual(second.status, 0, second.stderr);
    const a = filesUnder(first.outDir);
    const b = filesUnder(second.outDir);
    assert.deepStrictEqual([...a.keys()].sort(), [...b.keys()].sort(), "the two renders wrote different files");
    for (const [file, bytes] of a) {
      // The Compose secrets file holds passwords generated for each output folder (tests/components/docker/compose.test.ts).
      if (path.basename(file) === SECRETS_FILE) continue;
      assert.ok(bytes.equals(b.get(file) as Buffer), `${file} differs between two renders`);
    }
  });
});
