/**
 * The offline diff shows a Docker volume's change as a replacement, since
 * @pulumi/docker cannot update a volume in place, and keeps a change of an
 * option alone as a change.
 */
import * as assert from "assert";
import { diffRenders } from "../../../tools/diff/compare-renders";
import { formatText } from "../../../tools/diff/format-text";
import { changeOf, renderWith, replacing, resourceOf } from "../../tools/support/replacements";

const VOLUME = "docker:index/volume:Volume";
const volume = (overrides: Record<string, unknown> = {}) => ({
  name: "ml-platform-dev-data",
  driver: "local",
  labels: [
    { label: "app.kubernetes.io/name", value: "data" },
    { label: "ml-platform.requested-size", value: "5Gi" },
  ],
  ...overrides,
});

describe("docker target: changes the provider makes by replacement", () => {
  describe("Docker volumes cannot change in place", () => {
    it("a size, which is a volume label, replaces the volume", () => {
      const labels = [
        { label: "app.kubernetes.io/name", value: "data" },
        { label: "ml-platform.requested-size", value: "8Gi" },
      ];
      const change = changeOf(resourceOf(VOLUME, volume()), resourceOf(VOLUME, volume({ labels })));
      assert.strictEqual(change.action, "replace");
      assert.deepStrictEqual(replacing(change), ["labels[label=ml-platform.requested-size].value"]);
    });

    it("a driver replaces the volume", () => {
      const change = changeOf(resourceOf(VOLUME, volume()), resourceOf(VOLUME, volume({ driver: "nfs" })));
      assert.strictEqual(change.action, "replace");
      assert.deepStrictEqual(replacing(change), ["driver"]);
    });

    it("a name replaces the volume, and a protected one stops pulumi up", () => {
      const before = resourceOf(VOLUME, volume(), { protect: true, retainOnDelete: true });
      const after = resourceOf(VOLUME, volume({ name: "ml-platform-dev-data-2" }), { protect: true });
      const change = changeOf(before, after);
      assert.strictEqual(change.action, "replace");
      assert.deepStrictEqual(replacing(change), ["name"]);
      assert.strictEqual(change.protected, true);
      const text = formatText("diff", [{ ok: true, diff: diffRenders("test", renderWith(before), renderWith(after)) }]);
      assert.match(
        text,
        /^\+- volume ml-platform-dev-data-2 \(replaced: deleted and created anew; it is protected, so pulumi up stops here\)$/m,
      );
      assert.match(text, /^ {4}name: "ml-platform-dev-data" → "ml-platform-dev-data-2" \(forces replacement\)$/m);
      assert.match(text, /: 0 to add, 0 to change, 1 to replace, 0 to remove, 0 unchanged$/m);
    });

    it("an option alone (retainOnDelete) is a change, not a replacement", () => {
      const change = changeOf(resourceOf(VOLUME, volume()), resourceOf(VOLUME, volume(), { retainOnDelete: true }));
      assert.strictEqual(change.action, "change");
    });
  });
});
