import * as assert from "assert";
import { deleteFirstReason, DockerService } from "../../../components/docker/service";
import { ServiceSpec } from "../../../platform/model";
import { build, CONTAINER, dependencyNames, labelsOf, ofKind, registration, specWith, testContext } from "./harness";
import { cpuLimitMillis } from "../../../components/docker/container";

function serviceNamed(
  name: string,
  overrides: Record<string, unknown> = {},
): { service: ServiceSpec; services: ServiceSpec[] } {
  const services = specWith(overrides).services;
  const service = services.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`no service ${name}`);
  return { service, services };
}

describe("docker target: DockerService", () => {
  it("runs one container per replica, all answering to the service's name", async () => {
    const { service, services } = serviceNamed("model-serving", { serving: { replicas: 3 } });
    const built = await build(() => new DockerService("serving", { spec: service, context: testContext(services) }));
    const replicas = ofKind(built, CONTAINER).filter((container) => !container.name.endsWith("-seed"));
    assert.strictEqual(
      replicas.length,
      3,
      `expected 3 replicas, got ${replicas.map((replica) => replica.name).join(", ")}`,
    );
    for (const replica of replicas) {
      assert.deepStrictEqual(
        replica.inputs.networksAdvanced,
        [{ name: "test-network", aliases: ["model-serving"] }],
        `${replica.name} does not join the platform network as model-serving`,
      );
      assert.strictEqual(replica.inputs.networkMode, undefined, `${replica.name} sets networkMode`);
    }
  });

  it("gives every replica a healthcheck to wait on, a restart policy, limits and the recommended labels", async () => {
    const { service, services } = serviceNamed("model-serving", {
      serving: { resources: { limits: { cpu: "500m", memory: "256Mi" } } },
    });
    const built = await build(() => new DockerService("serving", { spec: service, context: testContext(services) }));
    const replica = registration(built, CONTAINER, "serving-0");
    assert.ok(replica.inputs.healthcheck, `${replica.name} has no healthcheck`);
    assert.strictEqual(replica.inputs.wait, true, `${replica.name}: pulumi up does not wait for it to be healthy`);
    assert.ok((replica.inputs.waitTimeout as number) > 0, `${replica.name}: no wait timeout`);
    assert.strictEqual(replica.inputs.restart, "unless-stopped", `${replica.name}: restart policy`);
    assert.strictEqual(
      replica.inputs.memory,
      256,
      `${replica.name}: memory limit is not serving.resources.limits.memory (256Mi)`,
    );
    assert.strictEqual(
      cpuLimitMillis(replica.inputs),
      500,
      `${replica.name}: CPU limit is not serving.resources.limits.cpu (500m)`,
    );
    const labels = labelsOf(replica);
    assert.deepStrictEqual(
      ["name", "instance", "component", "part-of", "managed-by"].map((key) => labels[`app.kubernetes.io/${key}`]),
      ["model-serving", "ml-platform-test", "inference", "ml-platform", "pulumi"],
      `${replica.name}: recommended labels`,
    );
  });

  it("runs the image by ID, so an unchanged image never replaces the container", async () => {
    const { service, services } = serviceNamed("postgres");
    const built = await build(() => new DockerService("postgres", { spec: service, context: testContext(services) }));
    const container = registration(built, CONTAINER, "postgres-0");
    assert.strictEqual(
      container.inputs.image,
      `sha256:id-of-${service.container.image}`,
      `${container.name} is not given the pulled image's ID`,
    );
  });

  it("publishes a host port on 127.0.0.1 only, and then replaces the container delete-first", async () => {
    const { service, services } = serviceNamed("prefect-server");
    const built = await build(
      () => new DockerService("server", { spec: service, context: testContext(services), hostPort: 14200 }),
    );
    const container = registration(built, CONTAINER, "server-0");
    assert.deepStrictEqual(
      container.inputs.ports,
      [{ internal: 4200, external: 14200, ip: "127.0.0.1", protocol: "tcp" }],
      `${container.name}: ports`,
    );
    assert.strictEqual(
      container.opts.deleteBeforeReplace,
      true,
      `${container.name}: two containers cannot bind one host port`,
    );
  });

  it("replaces replicas create-first when nothing clashes, so updates keep serving", async () => {
    const { service, services } = serviceNamed("model-serving");
    const built = await build(() => new DockerService("serving", { spec: service, context: testContext(services) }));
    const replica = registration(built, CONTAINER, "serving-0");
    assert.notStrictEqual(
      replica.opts.deleteBeforeReplace,
      true,
      `${replica.name} would go down before its replacement is up`,
    );
    assert.strictEqual(
      replica.inputs.name,
      undefined,
      `${replica.name} has a fixed name, which would clash during create-first replacement`,
    );
    assert.strictEqual(
      replica.inputs.ports,
      undefined,
      `${replica.name} publishes a port although the proxy is its address`,
    );
  });

  it("never runs two postgres containers on one state volume", () => {
    const { service } = serviceNamed("postgres");
    assert.match(
      deleteFirstReason(service, undefined) ?? "",
      /state volume/,
      "postgres would be replaced create-first",
    );
  });

  it("mounts its state volume read-write and waits for the volume and its files", async () => {
    const { service, services } = serviceNamed("postgres");
    const built = await build(() => new DockerService("postgres", { spec: service, context: testContext(services) }));
    const container = registration(built, CONTAINER, "postgres-0");
    const mounts = container.inputs.mounts as { source: string; target: string; readOnly?: boolean }[];
    assert.ok(
      mounts.some(
        (mount) =>
          mount.source === "volume-postgres-data" &&
          mount.target === "/var/lib/postgresql/data" &&
          mount.readOnly === false,
      ),
      `${container.name} does not mount postgres-data read-write: ${JSON.stringify(mounts)}`,
    );
    assert.ok(
      envHas(container.inputs.envs, "POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD"),
      `${container.name}: POSTGRES_PASSWORD_FILE`,
    );
    assert.deepStrictEqual(
      await dependencyNames(built, container),
      ["postgres-files-seed"],
      `${container.name} must wait for its password file`,
    );
  });

  it("refuses to publish one host port from several replicas", async () => {
    const { service, services } = serviceNamed("model-serving", { serving: { replicas: 2 } });
    await assert.rejects(
      build(() => new DockerService("serving", { spec: service, context: testContext(services), hostPort: 8080 })),
      /cannot all publish host port 8080/,
    );
  });
});

function envHas(envs: unknown, entry: string): boolean {
  return Array.isArray(envs) && envs.includes(entry);
}
