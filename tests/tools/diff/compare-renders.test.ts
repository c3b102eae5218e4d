import * as assert from "assert";
import { diffRenders } from "../../../tools/diff/compare-renders";
import { countChanges, ResourceChange, StackDiff } from "../../../tools/diff/model";
import { formatPath } from "../../../tools/diff/properties";
import { kubernetesObject, loadRender, renderOf } from "../support/fixtures";

function resource(diff: StackDiff, displayName: string): ResourceChange {
  const found = diff.resources.find((candidate) => candidate.displayName === displayName);
  if (!found) {
    const seen = diff.resources.map((candidate) => `${candidate.action} ${candidate.displayName}`).join("\n  ");
    assert.fail(`no change for ${displayName}; the diff has:\n  ${seen}`);
  }
  return found;
}

/** path -> [before, after] of a changed resource. */
function changedPaths(change: ResourceChange): Map<string, [unknown, unknown]> {
  return new Map(
    change.properties.map((property) => [
      `${property.scope === "option" ? "option " : ""}${formatPath(property.path)}`,
      [property.before, property.after],
    ]),
  );
}

describe("tools/diff: comparing two renders", () => {
  let prod: StackDiff;
  let dev: StackDiff;
  before(() => {
    prod = diffRenders("prod", loadRender("prod-base"), loadRender("prod-head"));
    dev = diffRenders("dev", loadRender("dev-base"), loadRender("dev-head"));
  });

  it("lists a new Kubernetes object as added, by kind, namespace and name, with its properties", () => {
    const added = resource(prod, "PodDisruptionBudget ml-platform/model-serving");
    assert.strictEqual(added.action, "add", added.urn);
    assert.deepStrictEqual(changedPaths(added).get("spec.minAvailable"), [undefined, 1], added.urn);
  });

  it("lists a deleted object as removed", () => {
    const removed = resource(prod, "Service ml-platform/old-metrics");
    assert.strictEqual(removed.action, "remove", removed.urn);
  });

  it("names Docker resources by their real names and components by their logical names", () => {
    const container = resource(dev, "container ml-platform-dev-model-serving-2");
    assert.strictEqual(container.action, "add", container.urn);
    const renamed = diffRenders("dev", undefined, loadRender("dev-base"));
    const names = renamed.resources.map((change) => change.displayName);
    assert.ok(names.includes("remote image python:3.12.11-slim-bookworm"), `names: ${names.join(", ")}`);
    assert.ok(names.includes("ml-platform (ml-platform:docker:Platform)"), `names: ${names.join(", ")}`);
  });

  it("reports a change by property path with the old and the new value", () => {
    const deployment = resource(prod, "Deployment ml-platform/model-serving");
    const paths = changedPaths(deployment);
    const container = "spec.template.spec.containers[name=model-serving]";
    assert.deepStrictEqual(
      paths.get(`${container}.image`),
      ["python:3.12.11-slim-bookworm", "python:3.12.12-slim-bookworm"],
      deployment.urn,
    );
    assert.deepStrictEqual(paths.get(`${container}.env[name=LOG_LEVEL].value`), ["info", "debug"], deployment.urn);
    const hpa = resource(prod, "HorizontalPodAutoscaler ml-platform/model-serving");
    assert.deepStrictEqual([...changedPaths(hpa)], [["spec.maxReplicas", [10, 12]]], hpa.urn);
  });

  it("matches list items by name, so an inserted entry does not shift the rest into changes", () => {
    const deployment = resource(prod, "Deployment ml-platform/model-serving");
    const paths = [...changedPaths(deployment).keys()];
    const env = paths.filter((path) => path.includes(".env"));
    assert.deepStrictEqual(
      env.sort(),
      [
        "spec.template.spec.containers[name=model-serving].env[name=LOG_LEVEL].value",
        "spec.template.spec.containers[name=model-serving].env[name=MODEL_DIR]",
      ],
      `${deployment.urn}: ${paths.join(", ")}`,
    );
  });

  it("compares resource options such as protect", () => {
    const claim = resource(prod, "PersistentVolumeClaim ml-platform/models");
    assert.deepStrictEqual(changedPaths(claim).get("option protect"), [false, true], claim.urn);
  });

  it("shows a changed secret as changed, and an unchanged one not at all", () => {
    const secret = resource(prod, "Secret ml-platform/postgres");
    const paths = changedPaths(secret);
    assert.ok(paths.has("stringData.database-url"), `${secret.urn}: ${[...paths.keys()].join(", ")}`);
    assert.ok(!paths.has("stringData.password"), `${secret.urn}: the unchanged password is listed`);
  });

  it("cannot see a secret change without fingerprints on both sides, and does not invent one", () => {
    const before = renderOf("prod", [
      kubernetesObject("prod", "Secret", "postgres", { stringData: { password: "[secret]" } }),
    ]);
    const after = renderOf("prod", [
      kubernetesObject("prod", "Secret", "postgres", { stringData: { password: "[secret:0123456789abcdef]" } }),
    ]);
    const diff = diffRenders("prod", before, after);
    assert.deepStrictEqual(diff.resources, [], JSON.stringify(diff.resources));
  });

  it("counts what is added, changed, removed and unchanged, and diffs the outputs", () => {
    // The fixture adds a PodDisruptionBudget, removes a Service, changes the Deployment, HPA and
    // claim (its size: in place), changes the contents of the Secret and the ConfigMap, which the
    // Kubernetes provider replaces, and leaves the platform component, Namespace and RandomPassword alone.
    assert.deepStrictEqual(countChanges(prod), { add: 1, change: 3, replace: 2, remove: 1 });
    assert.strictEqual(prod.unchanged, 3);
    assert.deepStrictEqual(
      prod.outputs.map((change) => [formatPath(change.path), change.before, change.after]),
      [["servingUrl", "http://ml-platform.local/serving", "http://ml-platform.example/serving"]],
    );
  });

  it("finds nothing to report between two identical renders", () => {
    const same = diffRenders("prod", loadRender("prod-head"), loadRender("prod-head"));
    assert.deepStrictEqual(same.resources, []);
    assert.deepStrictEqual(same.outputs, []);
  });

  it("treats a stack missing on one side as wholly added", () => {
    const created = diffRenders("prod", undefined, loadRender("prod-head"));
    assert.strictEqual(created.targetBefore, undefined);
    assert.ok(
      created.resources.every((change) => change.action === "add"),
      created.resources.map((c) => c.urn).join("\n"),
    );
    assert.strictEqual(created.resources.length, loadRender("prod-head").resources.length);
  });
});
