import * as assert from "assert";
import { SwarmService, stopFirstReason } from "../../../components/swarm/service";
import { ServiceSpec } from "../../../platform/model";
import { build, FAKE_SECRETS, ofKind, SECRET, SERVICE, specWith, taskOf, testContext } from "./harness";

function serviceNamed(
  name: string,
  overrides: Record<string, unknown> = {},
): { service: ServiceSpec; services: ServiceSpec[] } {
  const services = specWith(overrides).services;
  const service = services.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`no service ${name}`);
  return { service, services };
}

describe("swarm target: SwarmService", () => {
  it("runs serving.replicas tasks that roll one at a time, start-first, and roll back on failure", async () => {
    const { service, services } = serviceNamed("model-serving", { serving: { replicas: 3 } });
    const built = await build(() => new SwarmService("serving", { spec: service, context: testContext(services) }));
    const [swarmService] = ofKind(built, SERVICE);
    assert.deepStrictEqual(swarmService.inputs.mode, { replicated: { replicas: 3 } });
    assert.deepStrictEqual(swarmService.inputs.updateConfig, {
      parallelism: 1,
      delay: "10s",
      order: "start-first",
      failureAction: "rollback",
      monitor: "30s",
      maxFailureRatio: "0",
    });
    const rollback = swarmService.inputs.rollbackConfig as Record<string, unknown>;
    assert.strictEqual(rollback.parallelism, 1);
    assert.strictEqual(rollback.order, "start-first");
    assert.strictEqual(swarmService.inputs.name, "ml-platform-test_model-serving");
    assert.deepStrictEqual(taskOf(swarmService).restartPolicy, { condition: "any", delay: "5s", window: "60s" });
  });

  it("holds every task to limits and reservations, a read-only root, no capabilities and a non-root user", async () => {
    const { service, services } = serviceNamed("model-serving", {
      serving: { resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } } },
    });
    const built = await build(() => new SwarmService("serving", { spec: service, context: testContext(services) }));
    const task = taskOf(ofKind(built, SERVICE)[0]);
    assert.deepStrictEqual(task.resources, {
      limits: { nanoCpus: 500_000_000, memoryBytes: 256 * 1024 * 1024 },
      reservation: { nanoCpus: 100_000_000, memoryBytes: 128 * 1024 * 1024 },
    });
    assert.strictEqual(task.containerSpec.readOnly, true);
    assert.deepStrictEqual(task.containerSpec.capDrops, ["ALL"]);
    assert.strictEqual(task.containerSpec.user, "1000:1000");
    assert.ok(
      (task.containerSpec.mounts ?? []).some((mount) => mount.type === "tmpfs" && mount.target === "/tmp"),
      "no tmpfs for /tmp",
    );
    assert.ok(task.containerSpec.healthcheck, "no healthcheck");
  });

  it("gives secrets to the task as Swarm secrets under /run/secrets, never as environment values", async () => {
    const { service, services } = serviceNamed("prefect-server");
    const built = await build(() => new SwarmService("server", { spec: service, context: testContext(services) }));
    const task = taskOf(ofKind(built, SERVICE)[0]);
    const files = (task.containerSpec.secrets ?? []).map((secret) => secret.fileName);
    assert.deepStrictEqual(files, [
      "/run/secrets/PREFECT_SERVER_API_AUTH_STRING",
      "/run/secrets/PREFECT_SERVER_DATABASE_CONNECTION_URL",
    ]);
    for (const secret of task.containerSpec.secrets ?? []) assert.strictEqual(secret.fileMode, 0o400);
    const env = JSON.stringify(task.containerSpec.env);
    for (const value of [FAKE_SECRETS.postgres.password, FAKE_SECRETS["prefect-auth"].password])
      assert.ok(!env.includes(value), "a secret value is in the environment");
    assert.strictEqual(task.containerSpec.args?.[0], "/bin/sh", "the command is not wrapped to read its secrets");
    assert.strictEqual(ofKind(built, SECRET).length, 2, "one Swarm secret per secret value");
  });

  it("pins Postgres to the labelled node and replaces it stop-first", async () => {
    const { service, services } = serviceNamed("postgres");
    const built = await build(() => new SwarmService("postgres", { spec: service, context: testContext(services) }));
    const swarmService = ofKind(built, SERVICE)[0];
    assert.deepStrictEqual(taskOf(swarmService).placement, {
      constraints: ["node.labels.ml-platform.database == true"],
    });
    assert.strictEqual((swarmService.inputs.updateConfig as Record<string, unknown>).order, "stop-first");
    assert.match(stopFirstReason(service, false) ?? "", /state volume/);
  });

  it("publishes through the routing mesh or in host mode, as config says", async () => {
    const { service, services } = serviceNamed("prefect-server");
    for (const publishMode of ["ingress", "host"] as const) {
      const built = await build(
        () =>
          new SwarmService("server", {
            spec: service,
            context: testContext(services, { publishMode }),
            publishedPort: 4200,
          }),
      );
      const swarmService = ofKind(built, SERVICE)[0];
      assert.deepStrictEqual((swarmService.inputs.endpointSpec as { ports: unknown[] }).ports, [
        { targetPort: 4200, publishedPort: 4200, publishMode, protocol: "tcp" },
      ]);
      // A port the node binds itself cannot be held by the old and the new task at once.
      const order = (swarmService.inputs.updateConfig as Record<string, unknown>).order;
      assert.strictEqual(order, publishMode === "host" ? "stop-first" : "start-first");
    }
  });

  it("refuses several replicas on one host-mode port", async () => {
    const { service, services } = serviceNamed("model-serving", { serving: { replicas: 2 } });
    await assert.rejects(
      build(
        () =>
          new SwarmService("serving", {
            spec: service,
            context: testContext(services, { publishMode: "host" }),
            publishedPort: 8080,
          }),
      ),
      /cannot all bind port 8080/,
    );
  });
});
