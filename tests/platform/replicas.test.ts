import * as assert from "assert";
import { ServiceSpec } from "../../platform/model";
import { fixedReplicaCount, mayRunSeveral } from "../../platform/replicas";

const service = (replicas: ServiceSpec["replicas"], scalable: boolean) =>
  ({ name: "model-serving", replicas, scalable }) as ServiceSpec;

describe("a service's replicas as a target reads them", () => {
  it("gives a target without an autoscaler the fixed count, and refuses bounds it cannot apply", () => {
    assert.strictEqual(fixedReplicaCount(service({ mode: "fixed", count: 3 }, true)), 3);
    const autoscaled = service(
      { mode: "autoscaled", min: 2, max: 6, cpuTargetPercent: 70, scaleDownStabilizationSeconds: 300 },
      true,
    );
    assert.throws(
      () => fixedReplicaCount(autoscaled),
      /model-serving is autoscaled \(2-6 replicas\), but this target runs no autoscaler/,
    );
  });

  it("puts one address in front of a service whose replicas may be several", () => {
    assert.strictEqual(mayRunSeveral(service({ mode: "fixed", count: 1 }, false)), false, "a single instance");
    assert.strictEqual(
      mayRunSeveral(service({ mode: "fixed", count: 1 }, true)),
      true,
      "scalable, one replica for now",
    );
    assert.strictEqual(mayRunSeveral(service({ mode: "fixed", count: 2 }, false)), true, "two fixed replicas");
    assert.strictEqual(
      mayRunSeveral(
        service({ mode: "autoscaled", min: 1, max: 1, cpuTargetPercent: 70, scaleDownStabilizationSeconds: 0 }, false),
      ),
      true,
      "autoscaled",
    );
  });
});
