import * as assert from "assert";
import { TARGET_NAMES } from "../../components/registry";
import { targetOfflineRender } from "../../tools/render/target-offline";

describe("the offline part of a render's target", () => {
  for (const target of TARGET_NAMES) {
    it(`is the ${target} target's own, from the registry`, async () => {
      const offline = await targetOfflineRender(target);
      assert.ok(offline, `${target} has no offline part`);
      assert.strictEqual(typeof offline.mockState, "function");
      assert.strictEqual(typeof offline.placesSecrets, "function");
      assert.strictEqual(typeof offline.writeFiles, "function");
    });
  }

  it("is none for a name that is no target, which the program's config check refuses", async () => {
    for (const name of [undefined, "", "nomad", "constructor", "__proto__"]) {
      assert.strictEqual(await targetOfflineRender(name), undefined, String(name));
    }
  });

  it("mocks only its own provider's resource types", async () => {
    const docker = await targetOfflineRender("docker");
    const kubernetes = await targetOfflineRender("kubernetes");
    assert.ok(docker && kubernetes);
    assert.ok(docker.mockState("docker:index/container:Container"));
    assert.strictEqual(docker.mockState("kubernetes:apps/v1:Deployment"), undefined);
    assert.ok(kubernetes.mockState("kubernetes:apps/v1:Deployment"));
    assert.strictEqual(kubernetes.mockState("docker:index/container:Container"), undefined);
  });
});
