import * as assert from "assert";
import { parsePlatformConfig } from "../../config/schema";
import { describePlatform } from "../../platform/describe";
import { PlatformSpec, Workload } from "../../platform/model";
import { allWorkloads, forEachWorkload, WorkloadHandlers, workloadOrder } from "../../platform/workloads";

function specWith(overrides: Record<string, unknown> = {}): PlatformSpec {
  return describePlatform(parsePlatformConfig({ target: "docker", environment: "development", ...overrides }), "test");
}

/** Handlers that record every call as [kind, name], checking each gets a workload of its own kind. */
function recorder(calls: Array<[string, string]>): WorkloadHandlers {
  const record = (kind: Workload["kind"]) => (workload: Workload) => {
    assert.strictEqual(workload.kind, kind, `the ${kind} handler got ${workload.name}, a ${workload.kind}`);
    calls.push([workload.kind, workload.name]);
  };
  return {
    service: record("service"),
    job: record("job"),
    schedule: record("schedule"),
    executorPool: record("executorPool"),
  };
}

function assertAfterHonoured(order: string[], workloads: Workload[]): void {
  for (const workload of workloads) {
    for (const before of workload.after) {
      assert.ok(
        order.indexOf(before) < order.indexOf(workload.name),
        `${workload.name} is built before ${before}, which it comes after`,
      );
    }
  }
}

describe("the workload loop every target runs", () => {
  describe("workloadOrder", () => {
    it("builds every workload after those it comes after", () => {
      const spec = specWith();
      const order = workloadOrder(spec).map((workload) => workload.name);
      assert.strictEqual(order.length, new Set(order).size, "a workload appears twice");
      assert.strictEqual(order.length, allWorkloads(spec).length, "a workload was lost");
      assertAfterHonoured(order, workloadOrder(spec));
    });

    it("keeps the spec's order where nothing is waited for, and today's order of the platform", () => {
      assert.deepStrictEqual(
        workloadOrder(specWith()).map((workload) => workload.name),
        ["postgres", "prefect-server", "training", "model-serving", "retraining", "prefect-worker"],
      );
    });

    it("moves a workload that waits for a later one behind it", () => {
      const spec = specWith();
      spec.jobs[0] = { ...spec.jobs[0], after: ["prefect-worker"] };
      const order = workloadOrder(spec).map((workload) => workload.name);
      assert.strictEqual(order.length, allWorkloads(spec).length, "a workload was lost");
      assertAfterHonoured(order, allWorkloads(spec));
    });

    it("reports a workload that comes after one that does not exist", () => {
      const spec = specWith();
      spec.jobs[0] = { ...spec.jobs[0], after: ["feature-store"] };
      assert.throws(() => workloadOrder(spec), /training comes after "feature-store"/);
      spec.jobs[0] = { ...spec.jobs[0], after: [] };
      spec.services[0].after = ["ghost"];
      assert.throws(() => workloadOrder(spec), /postgres comes after "ghost", which is not a workload of the platform/);
    });

    it("reports workloads waiting for each other, naming the cycle", () => {
      const spec = specWith();
      spec.jobs[0] = { ...spec.jobs[0], after: ["model-serving"] };
      assert.throws(() => workloadOrder(spec), /cycle: .*model-serving/);
      const other = specWith();
      other.services[0].after = ["prefect-server"];
      assert.throws(
        () => workloadOrder(other),
        /wait for each other in a cycle: postgres -> prefect-server -> postgres/,
      );
    });

    it("reports two workloads of one name", () => {
      const spec = specWith();
      spec.jobs[0] = { ...spec.jobs[0], name: "model-serving" };
      assert.throws(() => workloadOrder(spec), /two workloads are named "model-serving"/);
    });
  });

  describe("forEachWorkload", () => {
    it("hands every workload, once, to the handler of its kind", () => {
      const spec = specWith();
      const calls: Array<[string, string]> = [];
      forEachWorkload(spec, recorder(calls));
      assert.deepStrictEqual(
        [...calls].sort(),
        allWorkloads(spec)
          .map((workload): [string, string] => [workload.kind, workload.name])
          .sort(),
      );
      assert.deepStrictEqual(
        [...new Set(calls.map(([kind]) => kind))].sort(),
        ["executorPool", "job", "schedule", "service"],
        "a kind of workload never reached its handler",
      );
    });

    it("hands them over in dependency order", () => {
      const spec = specWith();
      spec.jobs[0] = { ...spec.jobs[0], after: ["prefect-worker"] };
      const calls: Array<[string, string]> = [];
      forEachWorkload(spec, recorder(calls));
      const order = calls.map(([, name]) => name);
      assert.deepStrictEqual(
        order,
        workloadOrder(spec).map((workload) => workload.name),
      );
      assertAfterHonoured(order, allWorkloads(spec));
    });

    it("hands over nothing when the order is broken", () => {
      const spec = specWith();
      spec.jobs[0] = { ...spec.jobs[0], after: ["model-serving"] };
      const calls: Array<[string, string]> = [];
      assert.throws(() => forEachWorkload(spec, recorder(calls)), /cycle/);
      assert.deepStrictEqual(calls, []);
    });

    it("hands over only the workloads there are (retraining off: no schedule)", () => {
      const spec = specWith({ retraining: { enabled: false } });
      const calls: Array<[string, string]> = [];
      forEachWorkload(spec, recorder(calls));
      assert.ok(!calls.some(([kind]) => kind === "schedule"), "a schedule was handed over although retraining is off");
      assert.strictEqual(calls.length, allWorkloads(spec).length);
    });
  });
});
