/**
 * The offline diff shows a replacement as a replacement wherever the provider
 * replaces instead of updating in place, one case per rule, and keeps
 * in-place changes as changes.
 */
import * as assert from "assert";
import { diffRenders } from "../../../tools/diff/compare-renders";
import { formatText } from "../../../tools/diff/format-text";
import { ResourceChange } from "../../../tools/diff/model";
import { formatPath } from "../../../tools/diff/properties";
import { Render, RenderedOptions, RenderedResource } from "../../../tools/render/model";

const OPTIONS: RenderedOptions = {
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
  ignoreChanges: [],
  dependsOn: [],
};

function resourceOf(type: string, inputs: Record<string, unknown>, options: Partial<RenderedOptions> = {}) {
  const resource: RenderedResource = {
    urn: `urn:pulumi:test::ml-platform::${type}::subject`,
    type,
    name: "subject",
    parent: null,
    inputs,
    options: { ...OPTIONS, ...options },
  };
  return resource;
}

function renderWith(resource: RenderedResource): Render {
  return { project: "ml-platform", stack: "test", target: "test", resources: [resource], outputs: {} };
}

/** The one resource change between two versions of a resource. */
function changeOf(before: RenderedResource, after: RenderedResource): ResourceChange {
  const diff = diffRenders("test", renderWith(before), renderWith(after));
  assert.strictEqual(diff.resources.length, 1, JSON.stringify(diff.resources));
  return diff.resources[0];
}

function replacing(change: ResourceChange): string[] {
  return change.properties.filter((property) => property.replaces).map((property) => formatPath(property.path));
}

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

const claimTemplate = (size: string, storageClassName = "microk8s-hostpath") => ({
  metadata: { name: "postgres-data" },
  spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: size } } },
});
const statefulSet = (template: Record<string, unknown>, image = "postgres:16.9-bookworm") => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name: "postgres", namespace: "ml-platform" },
  spec: {
    serviceName: "postgres",
    template: { spec: { containers: [{ name: "postgres", image }] } },
    volumeClaimTemplates: [template],
  },
});
const job = (image: string, backoffLimit = 1) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "training", namespace: "ml-platform" },
  spec: { backoffLimit, template: { spec: { containers: [{ name: "train", image }] } } },
});
const claim = (storageClassName: string, size = "10Gi") => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data", namespace: "ml-platform" },
  spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: size } } },
});

describe("tools/diff: replacements", () => {
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

  describe("Kubernetes fields the provider cannot change in place", () => {
    const JOB = "kubernetes:batch/v1:Job";
    const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
    const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";

    it("a Job's template replaces the Job", () => {
      const change = changeOf(resourceOf(JOB, job("python:3.12.11")), resourceOf(JOB, job("python:3.12.12")));
      assert.strictEqual(change.action, "replace");
      assert.deepStrictEqual(replacing(change), ["spec.template.spec.containers[name=train].image"]);
    });

    it("a Job's backoffLimit is changed in place", () => {
      const change = changeOf(resourceOf(JOB, job("python:3.12.11", 1)), resourceOf(JOB, job("python:3.12.11", 3)));
      assert.strictEqual(change.action, "change");
    });

    it("a StatefulSet's volumeClaimTemplates replace the StatefulSet, its pod template does not", () => {
      const replaced = changeOf(
        resourceOf(STATEFUL_SET, statefulSet(claimTemplate("20Gi"))),
        resourceOf(STATEFUL_SET, statefulSet(claimTemplate("40Gi"))),
      );
      assert.strictEqual(replaced.action, "replace");
      assert.deepStrictEqual(replacing(replaced), ["spec.volumeClaimTemplates[0].spec.resources.requests.storage"]);
      const rolled = changeOf(
        resourceOf(STATEFUL_SET, statefulSet(claimTemplate("20Gi"))),
        resourceOf(STATEFUL_SET, statefulSet(claimTemplate("20Gi"), "postgres:16.10-bookworm")),
      );
      assert.strictEqual(rolled.action, "change");
    });

    it("a claim's storageClassName replaces the claim, its size grows in place", () => {
      const replaced = changeOf(resourceOf(CLAIM, claim("microk8s-hostpath")), resourceOf(CLAIM, claim("nfs")));
      assert.strictEqual(replaced.action, "replace");
      assert.deepStrictEqual(replacing(replaced), ["spec.storageClassName"]);
      const grown = changeOf(
        resourceOf(CLAIM, claim("microk8s-hostpath")),
        resourceOf(CLAIM, claim("microk8s-hostpath", "20Gi")),
      );
      assert.strictEqual(grown.action, "change");
    });

    it("a new namespace or name replaces any object", () => {
      const moved = claim("microk8s-hostpath");
      const change = changeOf(
        resourceOf(CLAIM, claim("microk8s-hostpath")),
        resourceOf(CLAIM, { ...moved, metadata: { ...moved.metadata, namespace: "ml-data" } }),
      );
      assert.strictEqual(change.action, "replace");
      assert.deepStrictEqual(replacing(change), ["metadata.namespace"]);
    });
  });
});
