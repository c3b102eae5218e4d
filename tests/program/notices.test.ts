/**
 * The program says once what the description leaves out of a stack's config
 * on its target: serving's autoscaling bounds where no autoscaler runs
 * (tests/platform/describe.test.ts: no notice where they apply).
 */
import * as assert from "assert";
import { renderConfig } from "../support/render";

const NOT_APPLIED = /serving\.autoscaling \(\d+-\d+ replicas at \d+% CPU\) is not applied/g;

describe("the program's notices", () => {
  it("says once, on a target without an autoscaler, that serving's bounds are not applied", function () {
    this.timeout(300000);
    const run = renderConfig(
      "dev",
      "config:\n  ml-platform:target: docker\n  ml-platform:environment: development\n  ml-platform:serving:\n    replicas: 3\n    autoscaling: { minReplicas: 2, maxReplicas: 5, cpuTargetPercent: 65 }\n",
    );
    assert.strictEqual(run.status, 0, run.stderr);
    const output = `${run.stdout}\n${run.stderr}`;
    assert.deepStrictEqual(output.match(NOT_APPLIED), ["serving.autoscaling (2-5 replicas at 65% CPU) is not applied"]);
    assert.match(
      output,
      /model-serving runs a fixed 3 replica\(s\) \(serving\.replicas\): the docker target has no autoscaler/,
    );
  });
});
