import * as assert from "assert";
import { imageRole, PlatformImages } from "../../../components/docker/images";
import { PlatformNetwork } from "../../../components/docker/network";
import { promiseOf } from "../../support/mocks";
import { build, labelsOf, ofKind, registration } from "./harness";

describe("docker target: network and images", () => {
  it("makes one bridge network for the instance, labelled, with a provider-chosen name", async () => {
    const built = await build(() => new PlatformNetwork("network", { instance: "ml-platform-dev" }));
    const networks = ofKind(built, "docker:index/network:Network");
    assert.strictEqual(networks.length, 1, "expected exactly one network");
    const network = networks[0];
    assert.strictEqual(network.inputs.driver, "bridge", `${network.name}: driver`);
    assert.strictEqual(
      network.inputs.internal,
      undefined,
      `${network.name} is internal, so no port could be published`,
    );
    assert.strictEqual(
      labelsOf(network)["app.kubernetes.io/instance"],
      "ml-platform-dev",
      `${network.name}: instance label`,
    );
    assert.ok(
      (await promiseOf(built.result.networkName)).length > 0,
      "the network's name does not reach the containers",
    );
  });

  it("pulls each distinct image once, keeps it on destroy, and hands out its ID", async () => {
    const references = ["postgres:16.9-bookworm", "python:3.12.11-slim-bookworm", "postgres:16.9-bookworm"];
    const built = await build(() => new PlatformImages("images", { references }));
    const images = ofKind(built, "docker:index/remoteImage:RemoteImage");
    assert.deepStrictEqual(
      images.map((image) => image.inputs.name).sort(),
      ["postgres:16.9-bookworm", "python:3.12.11-slim-bookworm"],
      "images pulled",
    );
    for (const image of images)
      assert.strictEqual(image.inputs.keepLocally, true, `${image.name}: destroy would delete a shared image`);
    const id = await promiseOf(built.result.imageId("postgres:16.9-bookworm"));
    assert.match(id, /^sha256:[0-9a-f]{64}$/, "imageId is not the pulled image's ID");
    assert.notStrictEqual(
      id,
      await promiseOf(built.result.imageId("python:3.12.11-slim-bookworm")),
      "two images share an ID",
    );
    assert.strictEqual(
      registration(built, "docker:index/remoteImage:RemoteImage", "images-postgres-16-9-bookworm").inputs.name,
      "postgres:16.9-bookworm",
    );
  });

  it("refuses an image the platform did not pull", async () => {
    const built = await build(() => new PlatformImages("images", { references: ["postgres:16.9-bookworm"] }));
    assert.throws(() => built.result.imageId("redis:7"), /not among the platform's images/);
  });

  it("keeps look-alike references apart in resource names", () => {
    const taken = new Set<string>();
    const first = imageRole("repo:1.2", taken);
    taken.add(first);
    assert.notStrictEqual(imageRole("repo:1-2", taken), first, "two references got one resource name");
  });
});
