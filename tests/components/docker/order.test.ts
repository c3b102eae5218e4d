import * as assert from "assert";
import { workloadOrder } from "../../../components/docker/order";
import { specWith } from "./harness";

describe("docker target: workload order", () => {
  it("builds every workload after those it comes after", () => {
    const spec = specWith();
    const order = workloadOrder(spec).map((workload) => workload.name);
    assert.strictEqual(order.length, new Set(order).size, "a workload appears twice");
    for (const workload of workloadOrder(spec)) {
      for (const before of workload.after) {
        assert.ok(
          order.indexOf(before) < order.indexOf(workload.name),
          `${workload.name} is built before ${before}, which it comes after`,
        );
      }
    }
  });

  it("reports a workload that comes after one that does not exist", () => {
    const spec = specWith();
    spec.jobs[0] = { ...spec.jobs[0], after: ["feature-store"] };
    assert.throws(() => workloadOrder(spec), /training comes after "feature-store"/);
  });

  it("reports workloads waiting for each other", () => {
    const spec = specWith();
    spec.jobs[0] = { ...spec.jobs[0], after: ["model-serving"] };
    assert.throws(() => workloadOrder(spec), /cycle: .*model-serving/);
  });
});
