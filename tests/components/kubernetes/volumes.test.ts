import * as assert from "assert";
import { VolumeClaims } from "../../../components/kubernetes/volumes";
import { volumeConsumers } from "../../../components/kubernetes/layout";
import { build, K8S, ofKind, specWith } from "./harness";

type Json = Record<string, unknown>;

async function deploy(overrides: Record<string, unknown>) {
  const spec = specWith(overrides);
  return build(
    () =>
      new VolumeClaims("volumes", {
        instance: spec.instance,
        volumes: spec.volumes,
        consumers: volumeConsumers(spec, "ml-platform", "ml-executors"),
        storageClass: "microk8s-hostpath",
        namespaceRef: (namespace) => namespace,
      }),
  );
}

describe("kubernetes target: volume claims", () => {
  for (const protectStorage of [true, false]) {
    it(`claims data and models in every namespace that mounts them${protectStorage ? ", protected and kept" : ""}`, async () => {
      const volumes = {
        data: { size: "50Gi", accessMode: "ReadWriteOnce" },
        models: { size: "20Gi", accessMode: "ReadWriteOncePod", storageClass: "fast-ssd" },
      };
      const built = await deploy({ protectStorage, volumes });
      const claims = ofKind(built, K8S.claim);
      assert.deepStrictEqual(
        claims
          .map(
            (claim) =>
              `${String((claim.inputs.metadata as Json).namespace)}/${String((claim.inputs.metadata as Json).name)}`,
          )
          .sort(),
        ["ml-executors/data", "ml-executors/models", "ml-platform/data", "ml-platform/models"],
        "claims per namespace",
      );
      for (const claim of claims) {
        const name = String((claim.inputs.metadata as Json).name) as "data" | "models";
        const spec = claim.inputs.spec as Json;
        assert.deepStrictEqual(
          [spec.accessModes, spec.storageClassName, (spec.resources as Json).requests],
          [
            [volumes[name].accessMode],
            name === "models" ? "fast-ssd" : "microk8s-hostpath",
            { storage: volumes[name].size },
          ],
          `${claim.name}: access mode, storage class (the volume's own over the default) and size`,
        );
        assert.deepStrictEqual(
          [claim.opts.protect === true, claim.opts.retainOnDelete === true],
          [protectStorage, protectStorage],
          `${claim.name}: protect and retainOnDelete must follow protectStorage`,
        );
      }
    });
  }

  it("names the claim a file refers to only when it exists in that namespace", async () => {
    const built = await deploy({});
    const volumes = built.result;
    assert.strictEqual(volumes.fixedClaimName("ml-executors", "models"), "models");
    assert.throws(
      () => volumes.fixedClaimName("ml-executors", "postgres-data"),
      /no claim in namespace "ml-executors"/,
    );
  });
});
