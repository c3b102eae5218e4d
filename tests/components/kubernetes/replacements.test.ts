/**
 * The offline diff shows a replacement as a replacement wherever
 * @pulumi/kubernetes replaces an object instead of updating it in place, one
 * case per rule, and keeps in-place changes as changes.
 */
import * as assert from "assert";
import { changeOf, replacing, resourceOf } from "../../tools/support/replacements";

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

describe("kubernetes target: changes the provider makes by replacement", () => {
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
