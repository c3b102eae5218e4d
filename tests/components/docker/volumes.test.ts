import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { dockerVolumeName, persistentVolumes, PlatformVolume, volumeWriters } from "../../../components/docker/volumes";
import { promiseOf } from "../../support/mocks";
import { build, CONTAINER, ExitingMocks, labelsOf, ofKind, registration, specWith, VOLUME } from "./harness";

describe("docker target: volumes", () => {
  describe("persistentVolumes", () => {
    it("lists the shared volumes and every service's state volume", () => {
      const names = persistentVolumes(specWith()).map((volume) => volume.name);
      assert.deepStrictEqual(names.sort(), ["data", "models", "postgres-data"]);
    });

    it("follows protectStorage for every volume, the database's included", () => {
      for (const protect of [true, false]) {
        for (const volume of persistentVolumes(specWith({ protectStorage: protect }))) {
          assert.strictEqual(volume.protect, protect, `volume ${volume.name} with protectStorage ${protect}`);
        }
      }
    });
  });

  describe("volumeWriters", () => {
    it("finds the one identity writing each volume, and no writer for read-only volumes", () => {
      const writers = volumeWriters(specWith(), "process");
      assert.deepStrictEqual(
        { uid: writers.get("models")?.uid, gid: writers.get("models")?.gid },
        { uid: 1000, gid: 1000 },
        "models is written by training, retraining, the process workers and serving's model intake as 1000:1000",
      );
      assert.deepStrictEqual(
        writers.get("models")?.workloads.sort(),
        ["model-serving", "prefect-worker", "retraining", "training"],
        "models: writers",
      );
      assert.deepStrictEqual(
        { uid: writers.get("postgres-data")?.uid },
        { uid: 999 },
        "postgres-data belongs to the postgres user",
      );
      assert.strictEqual(writers.get("data"), undefined, "data is mounted read-only everywhere, so nobody owns it");
    });

    it("refuses a volume written by two different identities", () => {
      const spec = specWith();
      const training = spec.jobs[0];
      spec.jobs[0] = { ...training, container: { ...training.container, user: { uid: 2000, gid: 2000 } } };
      assert.throws(
        () => volumeWriters(spec, "process"),
        /volume "models" is written by .* as 1000:1000 and by training as 2000:2000/,
      );
    });

    it("does not count a docker-type pool's executors as writers (Prefect starts those containers)", () => {
      const writers = volumeWriters(specWith(), "docker");
      assert.ok(
        !writers.get("models")?.workloads.includes("prefect-worker"),
        "prefect-worker mounts models although its executors are separate containers",
      );
    });
  });

  describe("PlatformVolume", () => {
    const writer = { uid: 1000, gid: 1000, image: "python:3.12.11-slim-bookworm", workloads: ["training"] };

    for (const protect of [true, false]) {
      it(`names the volume after the instance and ${protect ? "protects and retains" : "neither protects nor retains"} it when protect is ${protect}`, async () => {
        const built = await build(
          () =>
            new PlatformVolume("volume-models", {
              instance: "ml-platform-dev",
              volume: { name: "models", size: "2Gi", protect },
            }),
        );
        const volume = registration(built, VOLUME, "volume-models-volume");
        assert.strictEqual(
          volume.inputs.name,
          dockerVolumeName("ml-platform-dev", "models"),
          `${volume.name}: the Docker name is not fixed`,
        );
        assert.strictEqual(volume.opts.protect === true, protect, `${volume.name}: protect`);
        assert.strictEqual(volume.opts.retainOnDelete === true, protect, `${volume.name}: retainOnDelete`);
        assert.strictEqual(
          volume.opts.deleteBeforeReplace,
          true,
          `${volume.name}: a fixed name needs deleteBeforeReplace`,
        );
        assert.strictEqual(
          labelsOf(volume)["ml-platform.requested-size"],
          "2Gi",
          `${volume.name}: the requested size is not recorded`,
        );
      });
    }

    it("hands a written volume to its writer with a one-shot chown that holds only CAP_CHOWN", async () => {
      const built = await build(
        () =>
          new PlatformVolume("volume-models", {
            instance: "ml-platform-dev",
            volume: { name: "models", size: "2Gi", protect: true },
            writer,
            writerImageId: "sha256:python",
          }),
      );
      const ownership = registration(built, CONTAINER, "volume-models-ownership");
      assert.deepStrictEqual(
        ownership.inputs.entrypoints,
        ["chown", "1000:1000", "/volume"],
        `${ownership.name} does not chown the volume root to the writer`,
      );
      assert.deepStrictEqual(
        ownership.inputs.capabilities,
        { drops: ["ALL"], adds: ["CHOWN"] },
        `${ownership.name} holds more than CAP_CHOWN`,
      );
      assert.strictEqual(
        ownership.inputs.image,
        "sha256:python",
        `${ownership.name} does not run the writer's image by ID`,
      );
      assert.strictEqual(ownership.inputs.attach, true, `${ownership.name} is not waited for`);
      const ready = await promiseOf(built.result.ready);
      assert.ok(
        ready.includes(
          built.registrations.find((r) => r.name === "volume-models-ownership")?.resource as pulumi.Resource,
        ),
        "writers would not wait for the ownership fix",
      );
    });

    it("makes no ownership container for a volume nobody writes", async () => {
      const built = await build(
        () =>
          new PlatformVolume("volume-data", { instance: "i", volume: { name: "data", size: "5Gi", protect: true } }),
      );
      assert.strictEqual(ofKind(built, CONTAINER).length, 0, "a read-only volume got an ownership container");
    });

    it("is not ready when the ownership fix fails", async () => {
      const built = await build(
        () =>
          new PlatformVolume("volume-models", {
            instance: "i",
            volume: { name: "models", size: "2Gi", protect: false },
            writer,
            writerImageId: "sha256:python",
          }),
        new ExitingMocks(1, "chown: /volume: Operation not permitted"),
      );
      await assert.rejects(promiseOf(built.result.ready), /exit code 1[\s\S]*Operation not permitted/);
    });
  });
});
