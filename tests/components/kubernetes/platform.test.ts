import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { deployPlatform } from "../../../components/kubernetes";
import { platformEndpoints } from "../../../components/kubernetes/endpoints";
import { KubernetesPlatform } from "../../../components/kubernetes/platform";
import { kubernetesSettings } from "../../../components/kubernetes/settings";
import { ConfigError } from "../../../config/load";
import { describePlatform } from "../../../platform/describe";
import { kubernetesMockState } from "../../../components/kubernetes/offline/mock-state";
import { RecordingMocks } from "../../../tools/render/mocks";
import { promiseOf } from "../../support/mocks";
import { build, Built, buildError, configWith, dependencyNames, K8S, ofKind, Registration, single } from "./harness";

type Json = Record<string, unknown>;

const RECOMMENDED_LABELS = ["name", "instance", "component", "part-of", "managed-by"].map(
  (key) => `app.kubernetes.io/${key}`,
);

async function deploy(overrides: Record<string, unknown> = {}): Promise<Built<KubernetesPlatform>> {
  const config = configWith(overrides);
  return build(
    () =>
      new KubernetesPlatform("ml", { spec: describePlatform(config, "test"), settings: kubernetesSettings(config) }),
  );
}

const kubernetesObjects = (built: Built<unknown>) =>
  built.registrations.filter((entry) => entry.type.startsWith("kubernetes:") && entry.opts.id === undefined);
const workload = (built: Built<unknown>, type: string, name: string): Registration => {
  const found = ofKind(built, type).find((entry) => (entry.inputs.metadata as Json).name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};

describe("kubernetes target: the whole platform", () => {
  it("sends every Kubernetes object through the one explicit provider", async () => {
    const built = await deploy();
    const provider = single(built, K8S.provider);
    const providerUrn = await promiseOf(provider.resource.urn);
    for (const entry of built.registrations.filter((candidate) => candidate.type.startsWith("kubernetes:"))) {
      assert.ok(
        entry.provider?.startsWith(`${providerUrn}::`),
        `${entry.type}::${entry.name} uses ${entry.provider ?? "the default provider"}`,
      );
    }
  });

  it("labels every object with the five recommended labels", async () => {
    const built = await deploy();
    for (const entry of kubernetesObjects(built)) {
      const labels = ((entry.inputs.metadata as Json | undefined)?.labels ?? {}) as Record<string, string>;
      const missing = RECOMMENDED_LABELS.filter((key) => !labels[key]);
      assert.deepStrictEqual(missing, [], `${entry.type}::${entry.name} lacks labels`);
    }
  });

  it("starts workloads in the platform's order, all after the network policies", async () => {
    const built = await deploy();
    const waitsFor = async (entry: Registration) => dependencyNames(built, entry);
    const postgres = workload(built, K8S.statefulSet, "postgres");
    const server = workload(built, K8S.deployment, "prefect-server");
    const serving = workload(built, K8S.deployment, "model-serving");
    const worker = workload(built, K8S.deployment, "prefect-worker");
    const training = single(built, K8S.job);
    const retraining = single(built, K8S.cronJob);
    const expectations: Array<[Registration, Registration]> = [
      [server, postgres],
      [worker, server],
      [serving, training],
      [retraining, training],
    ];
    for (const [later, earlier] of expectations) {
      assert.ok((await waitsFor(later)).includes(earlier.name), `${later.name} may start before ${earlier.name}`);
    }
    for (const entry of [postgres, server, serving, worker, training, retraining]) {
      assert.ok(
        (await waitsFor(entry)).includes("ml-network-policies"),
        `${entry.name} may start before the network policies exist`,
      );
    }
  });

  it("puts the platform in its namespace and the executors' claims, quota and rights in theirs", async () => {
    const built = await deploy({ kubernetes: { namespace: "apps", executorNamespace: "flows" } });
    const namespaceOf = (entry: Registration) => (entry.inputs.metadata as Json).namespace;
    // The flow runs' own copies of the login and the flows (a Secret and a ConfigMap) live beside them.
    const executorCopy = (entry: Registration) =>
      (entry.type === K8S.secret || entry.type === K8S.configMap) && entry.name.includes("-executor-");
    for (const type of [
      K8S.statefulSet,
      K8S.deployment,
      K8S.job,
      K8S.cronJob,
      K8S.service,
      K8S.secret,
      K8S.configMap,
      K8S.ingress,
      K8S.hpa,
      K8S.pdb,
    ]) {
      for (const entry of ofKind(built, type).filter((candidate) => !executorCopy(candidate)))
        assert.strictEqual(namespaceOf(entry), "apps", `${entry.name} is outside the platform namespace`);
    }
    const copies = built.registrations.filter(executorCopy);
    assert.ok(copies.length > 0, "flow runs get no Secret or ConfigMap of their namespace");
    for (const entry of copies)
      assert.strictEqual(namespaceOf(entry), "flows", `${entry.name} is outside the executor namespace`);
    for (const type of [K8S.resourceQuota, K8S.limitRange, K8S.role, K8S.roleBinding]) {
      for (const entry of ofKind(built, type))
        assert.strictEqual(namespaceOf(entry), "flows", `${entry.name} is outside the executor namespace`);
    }
    const claims = ofKind(built, K8S.claim).map(
      (claim) => `${String(namespaceOf(claim))}/${String((claim.inputs.metadata as Json).name)}`,
    );
    assert.deepStrictEqual(
      claims.sort(),
      ["apps/data", "apps/models", "flows/data", "flows/models"],
      "claims per namespace",
    );
    const template = ofKind(built, K8S.configMap).find((configMap) =>
      String((configMap.inputs.metadata as Json).name).startsWith("prefect-worker-job-template-"),
    );
    assert.ok(template, "no ConfigMap holds the work pool's job template");
    const document = JSON.parse(Object.values(template.inputs.data as Record<string, string>)[0]) as {
      job_configuration: Json;
    };
    assert.strictEqual(
      document.job_configuration.namespace,
      "flows",
      `${template.name}: flow runs would start outside the executor namespace`,
    );
  });

  it("refuses the same namespace for platform and executors before registering anything of the platform", async () => {
    const mocks = new RecordingMocks({}, kubernetesMockState);
    const error = await buildError(() => {
      const config = configWith({ kubernetes: { namespace: "ml", executorNamespace: "ml" } });
      return new KubernetesPlatform("ml", {
        spec: describePlatform(config, "test"),
        settings: kubernetesSettings(config),
      });
    }, mocks);
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error.name}`);
    assert.match(error.message, /ml-platform:kubernetes\.executorNamespace: must differ from kubernetes\.namespace/);
    assert.deepStrictEqual(
      mocks.registered
        .filter((entry) => entry.type !== "pulumi:pulumi:Stack")
        .map((entry) => `${entry.type}::${entry.name}`),
      [],
      "resources were registered before the refusal",
    );
  });

  describe("endpoints", () => {
    it("reports the UI and serving through the Ingress host, the pool and the retraining schedule", async () => {
      const config = configWith({
        server: { publicUrl: "http://ml.example.test" },
        kubernetes: { ingressHost: "ml.example.test" },
        worker: { workPool: "gpu-pool" },
      });
      const { result: endpoints } = await build(() =>
        deployPlatform("ml", { spec: describePlatform(config, "test"), settings: kubernetesSettings(config) }),
      );
      assert.strictEqual(await promiseOf(pulumi.output(endpoints.prefectUiUrl)), "http://ml.example.test");
      assert.strictEqual(await promiseOf(pulumi.output(endpoints.servingUrl)), "http://ml.example.test/serving");
      assert.strictEqual(endpoints.workPool, "gpu-pool");
      assert.match(
        endpoints.retraining,
        /CronJob "retraining" in namespace "ml-platform" runs the training job on schedule "0 3 \* \* \*" \(Etc\/UTC\)/,
      );
    });

    it("falls back to the public URL's host when no Ingress host is set, and says when retraining is off", () => {
      const config = configWith({
        server: { publicUrl: "http://10.0.0.5/" },
        kubernetes: { ingressHost: "" },
        retraining: { enabled: false },
      });
      const endpoints = platformEndpoints(
        describePlatform(config, "test"),
        kubernetesSettings(config),
        "admin:password",
      );
      assert.deepStrictEqual(
        [endpoints.prefectUiUrl, endpoints.servingUrl],
        ["http://10.0.0.5", "http://10.0.0.5/serving"],
      );
      assert.match(endpoints.retraining, /retraining is off/);
    });
  });

  it("leaves the CronJob out when retraining is disabled", async () => {
    const built = await deploy({ retraining: { enabled: false } });
    assert.strictEqual(ofKind(built, K8S.cronJob).length, 0, "a CronJob exists with retraining disabled");
  });
});
