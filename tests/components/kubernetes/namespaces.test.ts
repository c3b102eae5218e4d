import * as assert from "assert";
import {
  executorLimitRange,
  executorQuota,
  MAX_EXECUTOR_PODS,
  PlatformNamespaces,
} from "../../../components/kubernetes/namespaces";
import { parseCpuMillis, parseMemoryBytes } from "../../../config/quantities";
import { build, K8S, ofKind, registration, specWith, unwrapSecrets } from "./harness";

type Json = Record<string, unknown>;

const PROD_LIKE = {
  worker: {
    replicas: 2,
    maxConcurrentRuns: 1000,
    executor: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
  },
};
const SMALL = {
  worker: {
    replicas: 1,
    maxConcurrentRuns: 3,
    executor: { resources: { requests: { cpu: "250m", memory: "300Mi" }, limits: { cpu: "1500m", memory: "1000M" } } },
  },
};

describe("kubernetes target: namespaces", () => {
  describe("executorQuota", () => {
    for (const [label, overrides] of [
      ["1000 runs of 100m/256Mi..1/1Gi", PROD_LIKE],
      ["3 runs of 250m/300Mi..1500m/1000M", SMALL],
    ] as const) {
      it(`caps pods, CPU, memory and GPUs at maxConcurrentRuns executors (${label})`, () => {
        const [pool] = specWith(overrides).executorPools;
        const quota = executorQuota([pool]);
        const runs = pool.maxConcurrentRuns;
        const { requests, limits } = pool.executor.resources;
        assert.strictEqual(quota.pods, String(runs), "pods is not maxConcurrentRuns");
        // Compare as quantities: the quota may spell them in larger units.
        assert.strictEqual(
          parseCpuMillis(quota["requests.cpu"]),
          (parseCpuMillis(requests.cpu) ?? 0) * runs,
          "requests.cpu",
        );
        assert.strictEqual(parseCpuMillis(quota["limits.cpu"]), (parseCpuMillis(limits.cpu) ?? 0) * runs, "limits.cpu");
        assert.strictEqual(
          parseMemoryBytes(quota["requests.memory"]),
          (parseMemoryBytes(requests.memory) ?? 0) * runs,
          "requests.memory",
        );
        assert.strictEqual(
          parseMemoryBytes(quota["limits.memory"]),
          (parseMemoryBytes(limits.memory) ?? 0) * runs,
          "limits.memory",
        );
        assert.strictEqual(quota["requests.nvidia.com/gpu"], "0", "executors without GPUs must be kept off the GPUs");
      });
    }

    it(`refuses more than ${MAX_EXECUTOR_PODS} concurrent executors`, () => {
      const [pool] = specWith(PROD_LIKE).executorPools;
      assert.throws(() => executorQuota([pool, { ...pool, name: "second" }]), /2000 concurrent runs.*at most 1000/);
    });
  });

  it("defaults containers to the executor's resources and caps them at its limits", () => {
    const [pool] = specWith(SMALL).executorPools;
    const [limits] = executorLimitRange([pool]).limits as unknown as Json[];
    assert.strictEqual(limits.type, "Container");
    assert.deepStrictEqual(
      limits.defaultRequest,
      { cpu: "250m", memory: "300Mi" },
      "defaultRequest is not the executor's requests",
    );
    assert.deepStrictEqual(limits.default, { cpu: "1500m", memory: "1000M" }, "default is not the executor's limits");
    assert.deepStrictEqual(
      limits.max,
      { cpu: "1500m", memory: "1000M" },
      "max is not the executor's limits, so the quota's arithmetic would not hold",
    );
  });

  for (const keep of [true, false]) {
    it(`creates both namespaces under the restricted profile${keep ? ", kept and protected when they hold kept storage" : ""}`, async () => {
      const spec = specWith(SMALL);
      const built = await build(
        () =>
          new PlatformNamespaces("ns", {
            instance: spec.instance,
            platformNamespace: "ml-platform",
            executorNamespace: "ml-executors",
            executorPools: spec.executorPools,
            keep: { platform: keep, executors: keep },
          }),
      );
      for (const [name, namespace] of [
        ["ns-platform", "ml-platform"],
        ["ns-executors", "ml-executors"],
      ]) {
        const created = registration(built, K8S.namespace, name);
        const metadata = created.inputs.metadata as Json;
        const labels = metadata.labels as Record<string, string>;
        assert.strictEqual(metadata.name, namespace, `${name}: wrong namespace name`);
        assert.strictEqual(
          labels["pod-security.kubernetes.io/enforce"],
          "restricted",
          `${name} does not enforce the restricted profile`,
        );
        for (const key of ["name", "instance", "component", "part-of", "managed-by"]) {
          assert.ok(labels[`app.kubernetes.io/${key}`], `${name} lacks app.kubernetes.io/${key}`);
        }
        assert.deepStrictEqual(
          [created.opts.protect === true, created.opts.retainOnDelete === true],
          [keep, keep],
          `${name}: deleting a namespace deletes its claims, so it must be kept exactly when they are`,
        );
      }
      const quota = registration(built, K8S.resourceQuota, "ns-executor-quota");
      assert.strictEqual(
        (quota.inputs.metadata as Json).namespace,
        "ml-executors",
        `${quota.name} is not in the executor namespace`,
      );
      assert.deepStrictEqual(
        unwrapSecrets((quota.inputs.spec as Json).hard),
        executorQuota(spec.executorPools),
        `${quota.name} does not carry the executor quota`,
      );
      const limits = registration(built, K8S.limitRange, "ns-executor-limits");
      assert.strictEqual(
        (limits.inputs.metadata as Json).namespace,
        "ml-executors",
        `${limits.name} is not in the executor namespace`,
      );
      assert.strictEqual(
        ofKind(built, K8S.resourceQuota).length,
        1,
        "the platform namespace must not be capped by the executor quota",
      );
    });
  }
});
