import * as assert from "assert";
import { bundleConfigMapName, Bundles, CONFIG_MAP_MAX_BYTES } from "../../../components/kubernetes/bundles";
import { FileBundle } from "../../../platform/model";
import { build, buildError, K8S, ofKind } from "./harness";

type Json = Record<string, unknown>;

const code = (text: string): FileBundle => ({
  name: "training-code",
  directory: "/opt/ml",
  files: { "train.py": text },
});

describe("kubernetes target: file bundles", () => {
  it("names a bundle's ConfigMap after its content, so new code rolls the pods that mount it", () => {
    assert.strictEqual(
      bundleConfigMapName(code("v1")),
      bundleConfigMapName(code("v1")),
      "the same content got two names",
    );
    assert.notStrictEqual(
      bundleConfigMapName(code("v1")),
      bundleConfigMapName(code("v2")),
      "new content kept the old name",
    );
    assert.match(bundleConfigMapName(code("v1")), /^training-code-[0-9a-f]{10}$/);
  });

  it("ships each bundle once, immutable, with its files as data", async () => {
    const serving: FileBundle = {
      name: "serving-code",
      directory: "/opt/ml",
      files: { "serve.py": "print('serve')\n" },
    };
    const built = await build(
      () =>
        new Bundles("bundles", {
          instance: "test",
          namespace: "ml-platform",
          bundles: [code("v1"), serving, code("v1")],
        }),
    );
    const configMaps = ofKind(built, K8S.configMap);
    assert.strictEqual(configMaps.length, 2, "a bundle used twice must be one ConfigMap");
    const training = configMaps.find((configMap) => configMap.name === "bundles-training-code");
    assert.ok(training, "no ConfigMap for the training code");
    assert.deepStrictEqual(
      [training.inputs.immutable, training.inputs.data, (training.inputs.metadata as Json).name],
      [true, { "train.py": "v1" }, bundleConfigMapName(code("v1"))],
      `${training.name}: immutable, data and name`,
    );
  });

  it("refuses two different bundles of one name, and one too large for a ConfigMap", async () => {
    const clash = await buildError(
      () => new Bundles("bundles", { instance: "test", namespace: "ns", bundles: [code("v1"), code("v2")] }),
    );
    assert.match(clash.message, /two different file bundles are both named "training-code"/);
    const huge = await buildError(
      () =>
        new Bundles("bundles", {
          instance: "test",
          namespace: "ns",
          bundles: [code("x".repeat(CONFIG_MAP_MAX_BYTES))],
        }),
    );
    assert.match(huge.message, /is \d+ bytes; a ConfigMap holds at most/);
  });
});
