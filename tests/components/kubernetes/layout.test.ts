import * as assert from "assert";
import { namespacesToKeep, serviceUrl, startOrder, volumeConsumers } from "../../../components/kubernetes/layout";
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

  it("starts every workload after the ones it waits for", () => {
    const spec = specWith();
    const workloads = [...spec.executorPools, ...spec.schedules, ...spec.jobs, ...spec.services];
    const order = startOrder(workloads).map((workload) => workload.name);
    assert.strictEqual(order.length, workloads.length, "a workload was lost");
    for (const workload of workloads) {
      for (const before of workload.after) {
        assert.ok(order.indexOf(before) < order.indexOf(workload.name), `${workload.name} starts before ${before}`);
      }
    }
  });

  it("refuses workloads that wait for each other or for nothing known", () => {
    const spec = specWith();
    const workloads = [...spec.services, ...spec.jobs, ...spec.schedules, ...spec.executorPools];
    spec.services[0].after = ["prefect-server"];
    assert.throws(() => startOrder(workloads), /wait for each other: postgres -> prefect-server -> postgres/);
    spec.services[0].after = ["ghost"];
    assert.throws(() => startOrder(workloads), /unknown workload "ghost"/);
  });
});
