import * as assert from "assert";
import { validatePlatformConfig } from "../../config/validate";
import { PlatformConfig } from "../../config/schema";
import { describePlatform, WORKLOAD_NAMES } from "../../platform/describe";
import { ContainerSpec, PlatformSpec, Workload } from "../../platform/model";

/** A validated config: a development docker stack unless the raw config says otherwise. */
function configFrom(raw: Record<string, unknown>): PlatformConfig {
  const result = validatePlatformConfig({ target: "docker", environment: "development", ...raw });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  return result.config;
}

function workloads(spec: PlatformSpec): Workload[] {
  return [...spec.services, ...spec.jobs, ...spec.schedules, ...spec.executorPools];
}

function containers(spec: PlatformSpec): Array<[string, ContainerSpec]> {
  return [
    ...spec.services.map((s): [string, ContainerSpec] => [s.name, s.container]),
    ...spec.jobs.map((j): [string, ContainerSpec] => [j.name, j.container]),
    ...spec.schedules.map((s): [string, ContainerSpec] => [s.name, s.job.container]),
    ...spec.executorPools.map((p): [string, ContainerSpec] => [p.name, p.worker]),
  ];
}

describe("the target-neutral platform description", () => {
  const dev = describePlatform(configFrom({}), "dev");

  it("names every part of the platform", () => {
    assert.deepStrictEqual(
      workloads(dev)
        .map((w) => w.name)
        .sort(),
      Object.values(WORKLOAD_NAMES).sort(),
    );
    assert.deepStrictEqual(
      dev.volumes.map((v) => v.name),
      ["data", "models"],
    );
    assert.deepStrictEqual(
      dev.secrets.map((s) => s.name),
      ["prefect-auth", "model-publish", "postgres"],
    );
  });

  it("describes the same platform whichever target the config selects, given the same images, but for serving's replicas", () => {
    // The worker image is the one default that depends on the target (the kubernetes worker needs its variant).
    const images = { prefectWorker: "prefecthq/prefect:3.6.10-python3.12-kubernetes" };
    const docker = describePlatform(configFrom({ target: "docker", images }), "x");
    const kubernetes = describePlatform(configFrom({ target: "kubernetes", kubeconfig: "k", images }), "x");
    // Whether an autoscaler runs is the one thing the description asks of the target (tested below).
    const apartFromReplicas = (spec: PlatformSpec): PlatformSpec => ({
      ...spec,
      notices: [],
      services: spec.services.map((service) =>
        service.name === WORKLOAD_NAMES.serving ? { ...service, replicas: { mode: "fixed", count: 0 } } : service,
      ),
    });
    assert.deepStrictEqual(apartFromReplicas(kubernetes), apartFromReplicas(docker));
  });

  describe("serving's replicas: fixed or autoscaled, as the stack's target runs them", () => {
    const scaling = {
      replicas: 3,
      autoscaling: { minReplicas: 2, maxReplicas: 6, cpuTargetPercent: 60, scaleDownStabilizationSeconds: 120 },
    };
    const servingOf = (spec: PlatformSpec) => spec.services.find((s) => s.name === WORKLOAD_NAMES.serving);

    it("hands a target with an autoscaler the bounds, and no fixed count", () => {
      const spec = describePlatform(configFrom({ target: "kubernetes", kubeconfig: "k", serving: scaling }), "x");
      assert.deepStrictEqual(servingOf(spec)?.replicas, {
        mode: "autoscaled",
        min: 2,
        max: 6,
        cpuTargetPercent: 60,
        scaleDownStabilizationSeconds: 120,
      });
      assert.deepStrictEqual(spec.notices, [], "bounds that apply need no notice");
    });

    for (const target of ["docker", "swarm"]) {
      it(`hands ${target}, which runs no autoscaler, the fixed count and no bounds, and says so once`, () => {
        const spec = describePlatform(configFrom({ target, serving: scaling }), "x");
        assert.deepStrictEqual(servingOf(spec)?.replicas, { mode: "fixed", count: 3 });
        assert.deepStrictEqual(spec.notices, [
          `model-serving runs a fixed 3 replica(s) (serving.replicas): the ${target} target has no autoscaler, ` +
            "so serving.autoscaling (2-6 replicas at 60% CPU) is not applied",
        ]);
      });
    }

    it("runs the database and the server as one fixed replica everywhere, serving as scalable", () => {
      for (const spec of [dev, describePlatform(configFrom({ target: "kubernetes", kubeconfig: "k" }), "x")]) {
        for (const name of [WORKLOAD_NAMES.database, WORKLOAD_NAMES.server]) {
          const service = spec.services.find((s) => s.name === name);
          assert.deepStrictEqual(service?.replicas, { mode: "fixed", count: 1 }, `${name}: replicas`);
          assert.strictEqual(service?.scalable, false, `${name} is not one of interchangeable replicas`);
        }
        assert.strictEqual(servingOf(spec)?.scalable, true, "serving's replicas are interchangeable");
      }
    });
  });

  it("gives every container limits, an unprivileged user and pinned images", () => {
    for (const [name, container] of containers(dev)) {
      assert.ok(container.resources.limits.cpu && container.resources.limits.memory, `${name} has no limits`);
      assert.notStrictEqual(container.user.uid, 0, `${name} runs as root`);
      assert.match(container.image, /:[\w.-]+$/, `${name} image ${container.image} has no tag`);
      if (container.readOnlyRootFilesystem)
        assert.ok(container.writablePaths.includes("/tmp"), `${name} has no writable /tmp`);
    }
  });

  it("keeps secrets out of plain env: the database URL and password travel as secret references", () => {
    for (const [name, container] of containers(dev)) {
      for (const [variable, value] of Object.entries(container.env)) {
        assert.doesNotMatch(value, /:\/\/[^/]*:[^@/]*@/, `${name} env ${variable} carries credentials in a URL`);
        assert.doesNotMatch(
          variable,
          /PASSWORD|TOKEN|SECRET|CONNECTION_URL/,
          `${name} has secret-like variable ${variable} in plain env`,
        );
      }
    }
    const server = dev.services.find((s) => s.name === WORKLOAD_NAMES.server);
    assert.deepStrictEqual(server?.container.secretEnv.PREFECT_SERVER_DATABASE_CONNECTION_URL, {
      secret: "postgres",
      key: "database-url",
    });
    const database = dev.services.find((s) => s.name === WORKLOAD_NAMES.database);
    assert.strictEqual(database?.container.secretEnv.POSTGRES_PASSWORD.fileVariable, "POSTGRES_PASSWORD_FILE");
  });

  it("checks the Prefect server's health and readiness on the documented endpoints", () => {
    const server = dev.services.find((s) => s.name === WORKLOAD_NAMES.server);
    const { startup, readiness, liveness } = server?.container.probes ?? {};
    assert.deepStrictEqual(
      [startup?.check, readiness?.check, liveness?.check],
      [
        { kind: "http", path: "/api/health", port: "http" },
        { kind: "http", path: "/api/ready", port: "http" },
        { kind: "http", path: "/api/health", port: "http" },
      ],
    );
    assert.strictEqual(server?.container.env.PREFECT_UI_API_URL, "http://127.0.0.1:4200/api");
  });

  it("points the browser at the configured public URL", () => {
    const spec = describePlatform(configFrom({ server: { publicUrl: "https://ml.example.com/" } }), "prod");
    const server = spec.services.find((s) => s.name === WORKLOAD_NAMES.server);
    assert.strictEqual(server?.container.env.PREFECT_UI_API_URL, "https://ml.example.com/api");
  });

  it("mounts data read-only and models read-write for training, and models for serving, whose intake writes there", () => {
    const training = dev.jobs[0].container.mounts;
    assert.deepStrictEqual(training, [
      { volume: "data", path: "/data", readOnly: true },
      { volume: "models", path: "/models", readOnly: false },
    ]);
    const serving = dev.services.find((s) => s.name === WORKLOAD_NAMES.serving);
    assert.deepStrictEqual(serving?.container.mounts, [{ volume: "models", path: "/models", readOnly: false }]);
  });

  it("gives serving a model intake that flow runs reach with a token, and only they", () => {
    const spec = describePlatform(configFrom({ serving: { port: 9000, publishPort: 9001 } }), "p");
    const serving = spec.services.find((s) => s.name === WORKLOAD_NAMES.serving);
    assert.deepStrictEqual(serving?.container.ports, [
      { name: "http", port: 9000 },
      { name: "publish", port: 9001 },
    ]);
    const args = serving?.container.args ?? [];
    assert.strictEqual(args[args.indexOf("--publish-port") + 1], "9001", "serve.py is not told the intake's port");
    assert.deepStrictEqual(serving?.container.secretEnv, {
      ML_PLATFORM_MODEL_PUBLISH_TOKEN: {
        secret: "model-publish",
        key: "token",
        fileVariable: "ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE",
      },
    });
    const executor = spec.executorPools[0].executor;
    assert.deepStrictEqual(
      executor.secretEnv.ML_PLATFORM_MODEL_PUBLISH_TOKEN,
      serving?.container.secretEnv.ML_PLATFORM_MODEL_PUBLISH_TOKEN,
    );
    assert.deepStrictEqual(executor.serviceEnv, {
      ML_PLATFORM_MODEL_PUBLISH_URL: {
        service: WORKLOAD_NAMES.serving,
        port: "publish",
        scheme: "http",
        path: "/model",
      },
    });
    const token = spec.secrets.find((secret) => secret.name === "model-publish");
    assert.deepStrictEqual(token?.generated, { token: { length: 48 } });
  });

  it("asks for GPUs only when training enables them", () => {
    assert.strictEqual(dev.jobs[0].container.resources.gpus, 0);
    const gpu = describePlatform(
      configFrom({ training: { gpu: { enabled: true, count: 2 } }, docker: { gpuSupport: true } }),
      "g",
    );
    assert.strictEqual(gpu.jobs[0].container.resources.gpus, 2);
    assert.strictEqual(gpu.schedules[0].job.container.resources.gpus, 2);
  });

  it("splits the concurrent-run budget across workers without exceeding it", () => {
    const spec = describePlatform(configFrom({ worker: { replicas: 3, maxConcurrentRuns: 999 } }), "p");
    const command = spec.executorPools[0].worker.command ?? [];
    const limit = Number(command[command.indexOf("--limit") + 1]);
    assert.strictEqual(limit, 333);
    assert.strictEqual(limit * 3, 999, "a run of capacity is lost");
    assert.strictEqual(spec.executorPools[0].runsPerWorker, limit, "targets read another limit than the worker takes");
  });

  it("drops the schedule when retraining is disabled, and protects storage unless opted out", () => {
    const spec = describePlatform(configFrom({ retraining: { enabled: false }, protectStorage: false }), "d");
    assert.deepStrictEqual(spec.schedules, []);
    assert.ok(spec.volumes.every((v) => !v.protect));
    assert.strictEqual(spec.services.find((s) => s.state)?.state?.protect, false);
    assert.ok(dev.volumes.every((v) => v.protect));
  });

  it("lets only the workloads that need a service reach it", () => {
    const database = dev.services.find((s) => s.name === WORKLOAD_NAMES.database);
    assert.deepStrictEqual(database?.allowFrom, [{ kind: "workload", name: WORKLOAD_NAMES.server }]);
    const serving = dev.services.find((s) => s.name === WORKLOAD_NAMES.serving);
    assert.deepStrictEqual(serving?.allowFrom, [
      { kind: "ingress", ports: ["http"] },
      { kind: "executors", pool: WORKLOAD_NAMES.worker, ports: ["publish"] },
    ]);
  });

  it("assembles the database URL from the generated password and the database host", () => {
    const parts = dev.secrets.find((secret) => secret.name === "postgres")?.derived["database-url"] ?? [];
    assert.ok(parts.some((p) => "secretKey" in p && p.secretKey === "password"));
    assert.ok(parts.some((p) => "serviceHost" in p && p.serviceHost === WORKLOAD_NAMES.database));
  });
});
