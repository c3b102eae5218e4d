/**
 * The staging stack as the committed Pulumi.staging.yaml builds it: the whole
 * program rendered offline on the Swarm target, with its promises checked on
 * the result.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { decodeProjectConfig } from "../../config/load";
import { PlatformConfig } from "../../config/schema";
import { validatePlatformConfig } from "../../config/validate";
import { projectRoot } from "../../platform/project-root";
import { SECRET_SENTINEL } from "../../tools/render/mocks";
import { Render, RenderedResource } from "../../tools/render/model";
import { readStackConfig } from "../../tools/render/stack-config";
import { renderStack, runRender } from "../support/render";
import { parse } from "yaml";

const SERVICE = "docker:index/service:Service";
const VOLUME = "docker:index/volume:Volume";

interface Task {
  containerSpec: {
    image: string;
    user?: string;
    readOnly?: boolean;
    capDrops?: string[];
    capAdds?: string[];
    env?: Record<string, string>;
    secrets?: { fileName: string }[];
    healthcheck?: unknown;
  };
  resources?: { limits?: { memoryBytes?: number; nanoCpus?: number } };
  restartPolicy?: { condition?: string };
  placement?: { constraints?: string[] };
}

function stagingConfig(): PlatformConfig {
  const source = readStackConfig(projectRoot(), "staging");
  const result = validatePlatformConfig(decodeProjectConfig(source.config));
  if (!result.ok) throw new Error(`Pulumi.staging.yaml does not validate: ${JSON.stringify(result.problems)}`);
  return result.config;
}

function services(render: Render): RenderedResource[] {
  return render.resources.filter((resource) => resource.type === SERVICE);
}

function named(render: Render, workload: string): RenderedResource {
  const found = services(render).find((resource) => resource.inputs.name === `ml-platform-staging_${workload}`);
  if (!found) throw new Error(`no service ml-platform-staging_${workload}`);
  return found;
}

const task = (resource: RenderedResource): Task => resource.inputs.taskSpec as Task;
const longRunning = (render: Render) =>
  services(render).filter((resource) => task(resource).restartPolicy?.condition === "any");

describe("staging stack (Pulumi.staging.yaml on the Swarm target)", function () {
  this.timeout(120000);
  let render: Render;
  let config: PlatformConfig;

  before(() => {
    config = stagingConfig();
    render = renderStack("staging");
  });

  it("is the swarm target in the staging environment", () => {
    assert.strictEqual(render.target, "swarm");
    assert.strictEqual(config.environment, "staging");
  });

  it("runs every platform part as a service, with the configured replicas", () => {
    const replicas = (workload: string) =>
      (named(render, workload).inputs.mode as { replicated: { replicas: number } }).replicated.replicas;
    assert.strictEqual(replicas("postgres"), 1);
    assert.strictEqual(replicas("prefect-server"), 1);
    assert.strictEqual(replicas("model-serving"), config.serving.replicas);
    assert.strictEqual(replicas("prefect-worker"), config.worker.replicas);
    assert.strictEqual(replicas("training"), config.training.completions);
    for (const oneShot of ["prefect-worker-register-pool", "retraining-register-deployment", "models-ownership"])
      assert.ok(named(render, oneShot), oneShot);
  });

  it("rolls long-running services out one task at a time, rolling back a failed update by itself", () => {
    for (const resource of longRunning(render)) {
      const update = resource.inputs.updateConfig as Record<string, unknown>;
      assert.strictEqual(update.parallelism, 1, `${resource.name} updateConfig.parallelism`);
      assert.strictEqual(update.failureAction, "rollback", `${resource.name} updateConfig.failureAction`);
      assert.strictEqual(update.monitor, `${config.swarm.monitorSeconds}s`, `${resource.name} updateConfig.monitor`);
      assert.ok(resource.inputs.rollbackConfig, `${resource.name} has no rollbackConfig`);
      assert.ok(task(resource).containerSpec.healthcheck, `${resource.name} has no healthcheck`);
    }
    assert.strictEqual((named(render, "model-serving").inputs.updateConfig as { order: string }).order, "start-first");
    assert.strictEqual((named(render, "postgres").inputs.updateConfig as { order: string }).order, "stop-first");
  });

  it("holds every task to limits, no capabilities beyond CHOWN for the ownership fix, and non-root users", () => {
    for (const resource of services(render)) {
      const spec = task(resource);
      assert.ok((spec.resources?.limits?.memoryBytes ?? 0) > 0, `${resource.name} has no memory limit`);
      assert.ok((spec.resources?.limits?.nanoCpus ?? 0) > 0, `${resource.name} has no CPU limit`);
      assert.deepStrictEqual(spec.containerSpec.capDrops, ["ALL"], `${resource.name} keeps capabilities`);
      assert.strictEqual(spec.containerSpec.readOnly, true, `${resource.name} has a writable root`);
      if (String(resource.inputs.name).endsWith("-ownership")) {
        assert.deepStrictEqual(spec.containerSpec.capAdds, ["CHOWN"]);
      } else {
        assert.notStrictEqual(spec.containerSpec.user?.split(":")[0], "0", `${resource.name} runs as root`);
        assert.strictEqual(spec.containerSpec.capAdds, undefined, `${resource.name} adds capabilities`);
      }
    }
  });

  it("pins Postgres to the labelled node and keeps the volumes on destroy", () => {
    assert.deepStrictEqual(task(named(render, "postgres")).placement?.constraints, [
      `node.labels.${config.swarm.databaseNodeLabel} == true`,
    ]);
    const volumes = render.resources.filter((resource) => resource.type === VOLUME);
    assert.deepStrictEqual(volumes.map((volume) => volume.inputs.name).sort(), [
      "ml-platform-staging-data",
      "ml-platform-staging-models",
      "ml-platform-staging-postgres-data",
    ]);
    for (const volume of volumes) assert.ok(volume.options.protect && volume.options.retainOnDelete, volume.name);
  });

  it("delivers secrets as Swarm secrets under /run/secrets, and no secret reaches a service's inputs", () => {
    assert.deepStrictEqual(
      (task(named(render, "prefect-server")).containerSpec.secrets ?? []).map((secret) => secret.fileName),
      ["/run/secrets/PREFECT_SERVER_API_AUTH_STRING", "/run/secrets/PREFECT_SERVER_DATABASE_CONNECTION_URL"],
    );
    const run = runRender(["--stack", "staging", "--secret-sentinels"]);
    assert.strictEqual(run.status, 0, run.stderr);
    const sentinel = JSON.parse(fs.readFileSync(path.join(run.outDir, "staging", "resources.json"), "utf8")) as Render;
    for (const resource of sentinel.resources.filter((candidate) => candidate.type === SERVICE))
      assert.ok(!JSON.stringify(resource.inputs).includes(SECRET_SENTINEL), `${resource.name} carries a secret`);
    assert.ok(
      sentinel.resources.some(
        (resource) => resource.type === "docker:index/secret:Secret" && JSON.stringify(resource.inputs).length > 0,
      ),
      "no Swarm secret",
    );
  });

  it("answers with its URLs, and runs retraining as a Prefect deployment on the cron schedule", () => {
    assert.strictEqual(render.outputs.prefectUiUrl, config.server.publicUrl);
    assert.strictEqual(render.outputs.servingUrl, `http://127.0.0.1:${config.swarm.servingPort}/serving`);
    assert.match(String(render.outputs.retraining), /Prefect runs retraining/);
    assert.match(
      String(render.outputs.retraining),
      new RegExp(`"${config.retraining.schedule.replace(/\*/g, "\\*")}"`),
    );
    const args = task(named(render, "retraining-register-deployment")).containerSpec as unknown as { args: string[] };
    assert.ok(args.args.join(" ").includes("register_retraining.py"), "the registration does not run its script");
  });

  describe("the stack file docker stack deploy runs (docker-stack.yml)", () => {
    interface StackFile {
      version: string;
      services: Record<string, Record<string, unknown> & { deploy: Record<string, unknown> }>;
      secrets: Record<string, { name: string; file: string }>;
      configs: Record<string, { name: string; file: string }>;
      volumes: Record<string, unknown>;
      networks: Record<string, unknown>;
    }
    let folder: string;
    let stackFile: StackFile;

    before(() => {
      folder = path.join((render as Render & { outDir: string }).outDir, "staging");
      stackFile = parse(fs.readFileSync(path.join(folder, "docker-stack.yml"), "utf8")) as StackFile;
    });

    it("has a service for every Swarm service of the render, under its workload's name", () => {
      assert.strictEqual(stackFile.version, "3.9");
      const expected = services(render)
        .map((resource) => String(resource.inputs.name).replace("ml-platform-staging_", ""))
        .sort();
      assert.deepStrictEqual(Object.keys(stackFile.services).sort(), expected);
      assert.deepStrictEqual(Object.keys(stackFile.networks), ["ml-platform-staging"]);
      assert.deepStrictEqual(Object.keys(stackFile.volumes).sort(), [
        "ml-platform-staging-data",
        "ml-platform-staging-models",
        "ml-platform-staging-postgres-data",
      ]);
    });

    it("carries the rollout settings, limits and placement the provider receives", () => {
      const serving = stackFile.services["model-serving"];
      assert.deepStrictEqual(serving.deploy.update_config, {
        parallelism: 1,
        delay: `${config.swarm.updateDelaySeconds}s`,
        order: "start-first",
        failure_action: "rollback",
        monitor: `${config.swarm.monitorSeconds}s`,
        max_failure_ratio: 0,
      });
      assert.deepStrictEqual(serving.deploy.resources, {
        limits: { cpus: "0.5", memory: "256M" },
        reservations: { cpus: "0.1", memory: "128M" },
      });
      assert.deepStrictEqual(serving.cap_drop, ["ALL"]);
      assert.strictEqual(serving.read_only, true);
      assert.deepStrictEqual(stackFile.services.postgres.deploy.placement, {
        constraints: [`node.labels.${config.swarm.databaseNodeLabel} == true`],
      });
    });

    it("reads secrets from owner-only files beside it, and holds no password itself", () => {
      const text = fs.readFileSync(path.join(folder, "docker-stack.yml"), "utf8");
      const passwords = fs
        .readFileSync(path.join(folder, ".env"), "utf8")
        .split("\n")
        .flatMap((line) => /^[A-Z0-9_]+='([^']+)'$/.exec(line)?.slice(1) ?? []);
      assert.strictEqual(
        passwords.length,
        3,
        "the .env holds the three generated values (two passwords, the intake's token)",
      );
      for (const password of passwords) assert.ok(!text.includes(password), "a password is in docker-stack.yml");
      for (const secret of Object.values(stackFile.secrets)) {
        const file = path.join(folder, secret.file);
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600, `${secret.file} is readable by others`);
        assert.ok(
          passwords.some((password) => fs.readFileSync(file, "utf8").includes(password)),
          secret.file,
        );
      }
      assert.deepStrictEqual(
        (stackFile.services["prefect-server"].secrets as { target: string }[]).map((secret) => secret.target),
        ["PREFECT_SERVER_API_AUTH_STRING", "PREFECT_SERVER_DATABASE_CONNECTION_URL"],
      );
    });
  });
});
