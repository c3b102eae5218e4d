/**
 * The whole Docker target (deployPlatform) under two quite different configs.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { deployPlatform } from "../../../components/docker";
import { disabledRetraining } from "../../../components/docker/platform";
import { dockerSettings } from "../../../components/docker/settings";
import { PlatformEndpoints } from "../../../components/target";
import { describePlatform } from "../../../platform/describe";
import { promiseOf } from "../../support/mocks";
import { build, Built, CONTAINER, configWith, dependencyNames, ofKind, registration } from "./harness";

async function deploy(overrides: Record<string, unknown>): Promise<Built<PlatformEndpoints>> {
  const config = configWith(overrides);
  return build(() =>
    deployPlatform("ml-platform", { spec: describePlatform(config, "dev"), settings: dockerSettings(config) }),
  );
}

const resolve = (value: pulumi.Input<string>) => promiseOf(pulumi.output(value));

describe("docker target: deployPlatform", () => {
  describe("with the defaults", () => {
    let built: Built<PlatformEndpoints>;
    let ambientHost: string | undefined;
    before(async () => {
      // The deployer's environment names another daemon; the platform must not follow it.
      ambientHost = process.env.DOCKER_HOST;
      process.env.DOCKER_HOST = "tcp://elsewhere.example:2375";
      try {
        built = await deploy({});
      } finally {
        if (ambientHost === undefined) delete process.env.DOCKER_HOST;
        else process.env.DOCKER_HOST = ambientHost;
      }
    });

    it("answers with the UI URL, the proxy's serving URL, the work pool and what runs retraining", async () => {
      const config = configWith({});
      assert.strictEqual(await resolve(built.result.prefectUiUrl), config.server.publicUrl, "prefectUiUrl");
      assert.strictEqual(
        await resolve(built.result.servingUrl),
        `http://127.0.0.1:${config.docker.servingHostPort}/serving`,
        "servingUrl",
      );
      assert.strictEqual(built.result.workPool, config.worker.workPool, "workPool");
      assert.ok(
        built.result.retraining.includes(`"${config.retraining.schedule}" (UTC)`),
        `retraining: ${built.result.retraining}`,
      );
    });

    it("talks to the local socket through an explicit provider when docker.host is empty, whatever DOCKER_HOST says", () => {
      const providers = ofKind(built, "pulumi:providers:docker");
      assert.strictEqual(providers.length, 1, "expected one explicit Docker provider");
      assert.strictEqual(providers[0].inputs.host, "unix:///var/run/docker.sock", `${providers[0].name}: host`);
      for (const resource of built.registrations.filter((entry) => entry.type.startsWith("docker:"))) {
        assert.ok(
          resource.provider?.includes("::ml-platform-docker::"),
          `${resource.name} uses the default provider, which follows DOCKER_HOST and docker:host (${resource.provider})`,
        );
      }
    });

    it("builds every workload after the ones it needs", async () => {
      const expectations: Array<[string, string]> = [
        ["ml-platform-prefect-server-0", "ml-platform-postgres-0"],
        ["ml-platform-model-serving-0", "ml-platform-training-run-0"],
        ["ml-platform-prefect-worker-0", "ml-platform-prefect-server-0"],
        ["ml-platform-retraining-register-deployment", "ml-platform-training-run-0"],
        ["ml-platform-retraining-register-deployment", "ml-platform-prefect-worker-0"],
        ["ml-platform-model-serving-proxy-nginx", "ml-platform-model-serving-1"],
      ];
      for (const [dependent, dependency] of expectations) {
        const names = await dependencyNames(built, registration(built, CONTAINER, dependent));
        assert.ok(
          names.includes(dependency),
          `${dependent} does not wait for ${dependency}; it waits for ${names.join(", ")}`,
        );
      }
    });

    it("puts every workload container on the one platform network", async () => {
      const network = ofKind(built, "docker:index/network:Network");
      assert.strictEqual(network.length, 1, "expected one network");
      const networkName = await promiseOf((network[0].resource as unknown as { name: pulumi.Output<string> }).name);
      for (const container of ofKind(built, CONTAINER).filter(
        (candidate) => !/-(seed|ownership)$/.test(candidate.name),
      )) {
        const networks = container.inputs.networksAdvanced as { name: string }[];
        assert.deepStrictEqual(
          networks.map((entry) => entry.name),
          [networkName],
          `${container.name} is not on the platform network`,
        );
      }
    });
  });

  describe("with a remote daemon, GPU training, the Docker socket and retraining off", () => {
    let built: Built<PlatformEndpoints>;
    const overrides = {
      docker: { host: "ssh://dev@buildbox", servingHostPort: 9090, gpuSupport: true, workerDockerSocket: true },
      training: { gpu: { enabled: true, count: 1 } },
      retraining: { enabled: false },
      serving: { replicas: 1 },
    };
    let warn: typeof pulumi.log.warn;

    before(async () => {
      warn = pulumi.log.warn;
      pulumi.log.warn = () => Promise.resolve();
      built = await deploy(overrides);
    });

    after(() => {
      pulumi.log.warn = warn;
    });

    it("talks to docker.host through an explicit provider, for every Docker resource", () => {
      const providers = ofKind(built, "pulumi:providers:docker");
      assert.strictEqual(providers.length, 1, "expected one explicit Docker provider");
      assert.strictEqual(providers[0].inputs.host, "ssh://dev@buildbox", `${providers[0].name}: host`);
      const dockerResources = built.registrations.filter((entry) => entry.type.startsWith("docker:"));
      assert.ok(dockerResources.length > 0, "no Docker resources were registered");
      for (const resource of dockerResources) {
        assert.ok(
          resource.provider?.includes("::ml-platform-docker::"),
          `${resource.name} does not use the docker.host provider (${resource.provider})`,
        );
      }
    });

    it("says retraining is off, and registers no retraining deployment", () => {
      assert.strictEqual(built.result.retraining, disabledRetraining());
      assert.ok(
        !built.registrations.some((entry) => entry.name.includes("retraining")),
        "a retraining resource exists although it is disabled",
      );
    });

    it("keeps the proxy in front of serving even with one replica, on the configured port", async () => {
      assert.strictEqual(await resolve(built.result.servingUrl), "http://127.0.0.1:9090/serving", "servingUrl");
      const proxy = registration(built, CONTAINER, "ml-platform-model-serving-proxy-nginx");
      assert.deepStrictEqual(
        (proxy.inputs.ports as { external: number; ip: string }[]).map((port) => [port.external, port.ip]),
        [[9090, "127.0.0.1"]],
      );
    });

    it("gives the training run its GPU and the workers the socket", () => {
      const run = registration(built, CONTAINER, "ml-platform-training-run-0");
      assert.deepStrictEqual(
        run.inputs.deviceRequests,
        [{ driver: "nvidia", count: 1, capabilities: ["gpu"] }],
        `${run.name}: GPU`,
      );
      const worker = registration(built, CONTAINER, "ml-platform-prefect-worker-0");
      assert.ok(
        JSON.stringify(worker.inputs.mounts).includes("/var/run/docker.sock"),
        `${worker.name}: no Docker socket`,
      );
    });
  });
});
