import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  DOCKER_SOCKET,
  DOCKER_SOCKET_WARNING,
  DockerExecutorPool,
  executorType,
} from "../../../components/docker/executor-pool";
import { ExecutorPoolSpec, PlatformSpec } from "../../../platform/model";
import { build, CONTAINER, configWith, envsOf, registration, specWith, testContext } from "./harness";
import { cpuLimitMillis } from "../../../components/docker/container";

function pool(overrides: Record<string, unknown> = {}): { spec: ExecutorPoolSpec; platform: PlatformSpec } {
  const platform = specWith({ worker: overrides });
  return { spec: platform.executorPools[0], platform };
}

/** The executors the docker target's default settings ask for. */
const byDefault = executorType(configWith().docker);

function workers(built: { registrations: { type: string; name: string }[] }): string[] {
  return built.registrations
    .filter((entry) => entry.type === CONTAINER && /^pool-\d+$/.test(entry.name))
    .map((entry) => entry.name);
}

describe("docker target: DockerExecutorPool", () => {
  it("runs flow runs as processes in the workers unless the socket is asked for", () => {
    assert.strictEqual(byDefault, "process");
  });

  it("runs `replicas` process-type workers on the pool, reaching the server by its alias", async () => {
    const { spec, platform } = pool({ replicas: 3, workPool: "gpu-pool" });
    const built = await build(
      () => new DockerExecutorPool("pool", { spec, executors: byDefault, context: testContext(platform.services) }),
    );
    assert.deepStrictEqual(workers(built), ["pool-0", "pool-1", "pool-2"]);
    for (const name of workers(built)) {
      const worker = registration(built, CONTAINER, name);
      const wrapped = worker.inputs.command as string[];
      // The login is read from its file first (see withVariablesFromFiles), then the worker runs.
      assert.match(wrapped[2], /PREFECT_API_AUTH_STRING="\$\(cat \/run\/secrets\/PREFECT_API_AUTH_STRING\)"/);
      const command = wrapped.slice(wrapped.indexOf("variables-from-files") + 1);
      assert.deepStrictEqual(command, [...(spec.worker.command ?? []), "--type", "process"], `${name}: command`);
      assert.ok(command.join(" ").includes("--pool gpu-pool"), `${name} does not take flow runs from gpu-pool`);
      assert.ok(envsOf(worker).includes("PREFECT_API_URL=http://prefect-server:4200/api"), `${name}: PREFECT_API_URL`);
    }
  });

  it("mounts the executors' volumes on the workers, since process executors run inside them", async () => {
    const { spec, platform } = pool();
    const built = await build(
      () => new DockerExecutorPool("pool", { spec, executors: byDefault, context: testContext(platform.services) }),
    );
    const worker = registration(built, CONTAINER, "pool-0");
    const mounts = (worker.inputs.mounts as { source: string; target: string; readOnly: boolean }[]).map((mount) => [
      mount.target,
      mount.readOnly,
    ]);
    for (const mount of spec.executor.mounts) {
      assert.ok(
        mounts.some(([target, readOnly]) => target === mount.path && readOnly === mount.readOnly),
        `${worker.name} does not mount ${mount.volume} at ${mount.path} (readOnly ${mount.readOnly})`,
      );
    }
  });

  it("gives each worker room for itself and the flow runs it may hold at once", async () => {
    const { spec, platform } = pool({
      replicas: 2,
      maxConcurrentRuns: 4,
      resources: { limits: { cpu: "500m", memory: "512Mi" } },
      executor: { resources: { limits: { cpu: "1", memory: "1Gi" } } },
    });
    assert.strictEqual(spec.runsPerWorker, 2, "four runs over two workers");
    const built = await build(
      () => new DockerExecutorPool("pool", { spec, executors: byDefault, context: testContext(platform.services) }),
    );
    const worker = registration(built, CONTAINER, "pool-0");
    assert.strictEqual(worker.inputs.memory, 512 + 2 * 1024, `${worker.name}: memory limit`);
    assert.strictEqual(cpuLimitMillis(worker.inputs), 2500, `${worker.name}: CPU limit`);
  });

  it("sizes workers for the runs their own --limit lets them take", () => {
    const { spec } = pool({ replicas: 2, maxConcurrentRuns: 5 });
    const command = spec.worker.command ?? [];
    const limit = Number(command[command.indexOf("--limit") + 1]);
    assert.strictEqual(spec.runsPerWorker, limit, `sized for ${spec.runsPerWorker} runs, but --limit is ${limit}`);
  });

  it("is healthy through the worker's own health endpoint, waited for and restarted", async () => {
    const { spec, platform } = pool();
    const built = await build(
      () => new DockerExecutorPool("pool", { spec, executors: byDefault, context: testContext(platform.services) }),
    );
    for (const name of workers(built)) {
      const worker = registration(built, CONTAINER, name);
      assert.ok(
        JSON.stringify(worker.inputs.healthcheck).includes("http://127.0.0.1:8080/health"),
        `${name}: healthcheck`,
      );
      assert.deepStrictEqual(
        [worker.inputs.wait, worker.inputs.restart],
        [true, "unless-stopped"],
        `${name}: wait and restart`,
      );
      assert.ok(
        !JSON.stringify(worker.inputs.mounts).includes(DOCKER_SOCKET),
        `${name} has the Docker socket without opting in`,
      );
    }
  });

  describe("with docker.workerDockerSocket (explicit opt-in)", () => {
    let warnings: string[];
    let original: typeof pulumi.log.warn;

    beforeEach(() => {
      warnings = [];
      original = pulumi.log.warn;
      pulumi.log.warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
      };
    });

    afterEach(() => {
      pulumi.log.warn = original;
    });

    it("runs docker-type workers with the socket and prefect-docker, and warns that this is root on the host", async () => {
      const { spec, platform } = pool();
      const executors = executorType(configWith({ docker: { workerDockerSocket: true } }).docker);
      const built = await build(
        () => new DockerExecutorPool("pool", { spec, executors, context: testContext(platform.services) }),
      );
      const worker = registration(built, CONTAINER, "pool-0");
      const command = worker.inputs.command as string[];
      assert.deepStrictEqual(command.slice(-2), ["--type", "docker"], `${worker.name}: executor type`);
      assert.ok(
        envsOf(worker).includes("EXTRA_PIP_PACKAGES=prefect-docker"),
        `${worker.name}: prefect-docker is not installed`,
      );
      assert.ok(
        (worker.inputs.mounts as { type: string; source: string }[]).some(
          (mount) => mount.type === "bind" && mount.source === DOCKER_SOCKET,
        ),
        `${worker.name} does not get the Docker socket`,
      );
      assert.ok(warnings.includes(DOCKER_SOCKET_WARNING), `no warning was printed; got: ${warnings.join(" | ")}`);
      assert.match(DOCKER_SOCKET_WARNING, /root/, "the warning does not say what the socket hands over");
    });
  });
});
