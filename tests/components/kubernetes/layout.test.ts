import * as assert from "assert";
import { namespacesToKeep, serviceUrl, volumeConsumers } from "../../../components/kubernetes/layout";
import { specWith } from "./harness";

describe("kubernetes target: layout", () => {
  it("offers data and models in both namespaces, since both the platform and the executors mount them", () => {
    assert.deepStrictEqual(volumeConsumers(specWith(), "ml-platform", "ml-executors"), {
      data: ["ml-platform", "ml-executors"],
      models: ["ml-platform", "ml-executors"],
    });
  });

  it("refuses a mount of a volume the platform does not define", () => {
    const spec = specWith();
    spec.jobs[0].container.mounts.push({ volume: "scratch", path: "/scratch", readOnly: false });
    assert.throws(() => volumeConsumers(spec, "ml-platform", "ml-executors"), /unknown volume "scratch"/);
  });

  for (const protectStorage of [true, false]) {
    it(`keeps the namespaces exactly when they hold protected storage (protectStorage ${protectStorage})`, () => {
      const spec = specWith({ protectStorage });
      const consumers = volumeConsumers(spec, "ml-platform", "ml-executors");
      assert.deepStrictEqual(namespacesToKeep(spec, consumers, "ml-platform", "ml-executors"), {
        platform: protectStorage,
        executors: protectStorage,
      });
    });
  }

  it("addresses a service by its fully qualified name and numbered port", () => {
    const spec = specWith({ serving: { port: 9000 } });
    assert.strictEqual(
      serviceUrl(spec, { service: "model-serving", port: "http", scheme: "http", path: "/healthz" }, "apps"),
      "http://model-serving.apps.svc.cluster.local:9000/healthz",
    );
    assert.throws(
      () => serviceUrl(spec, { service: "model-serving", port: "grpc", scheme: "http", path: "" }, "apps"),
      /no port named "grpc"/,
    );
  });
});
