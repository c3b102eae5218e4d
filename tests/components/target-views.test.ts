import * as assert from "assert";
import { TARGETS } from "../../components/registry";
import { ResourceViews, ViewedResource } from "../../components/resource-views";
import { TARGET_VIEWS } from "../../components/target-views";
import { renderStack } from "../support/render";

/** Each question a view answers, asked of one resource. */
const QUESTIONS: Record<keyof ResourceViews, (views: ResourceViews, resource: ViewedResource) => unknown> = {
  container: (views, resource) => views.container?.(resource),
  podTemplate: (views, resource) => views.podTemplate?.(resource),
  object: (views, resource) => views.object?.(resource),
  role: (views, resource) => views.role?.(resource),
  selectsPods: (views, resource) => views.selectsPods?.(resource, {}),
  statefulStorage: (views, resource) => views.statefulStorage?.(resource),
  labels: (views, resource) => views.labels?.(resource),
  storedSecrets: (views, resource) => views.storedSecrets?.(resource),
  displayName: (views, resource) => views.displayName?.(resource),
  replacementPaths: (views, resource) => views.replacementPaths?.(resource.type),
};

const resource = (type: string, props: Record<string, unknown>): ViewedResource => ({ type, name: "subject", props });

describe("targets' resource views", () => {
  it("answer each question about a resource of the committed stacks from one target at most", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      for (const rendered of renderStack(stack).resources) {
        const viewed = resource(rendered.type, rendered.inputs);
        for (const [question, ask] of Object.entries(QUESTIONS)) {
          const answering = Object.entries(TARGETS)
            .filter(([, target]) => ask(target.resourceViews, viewed) !== undefined)
            .map(([name]) => name);
          assert.ok(answering.length <= 1, `${stack}: ${question} of ${rendered.type} answered by ${answering}`);
        }
      }
    }
  });

  it("read a Docker container, a Swarm service and a Kubernetes Deployment through one list", () => {
    const container = TARGET_VIEWS.container(resource("docker:index/container:Container", { name: "c", memory: 64 }));
    assert.strictEqual(container?.name, "c");
    assert.strictEqual(container?.memoryLimit.state, "set");
    const service = TARGET_VIEWS.container(
      resource("docker:index/service:Service", { name: "s", taskSpec: { containerSpec: { image: "x:1" } } }),
    );
    assert.strictEqual(service?.image, "x:1");
    assert.strictEqual(service?.receivesFileAt("uploads[0].content"), false, "a service receives no uploads");
    const deployment = resource("kubernetes:apps/v1:Deployment", {
      kind: "Deployment",
      metadata: { name: "d", namespace: "ns" },
      spec: { template: { spec: { initContainers: [{ name: "i" }], containers: [{ name: "a" }] } } },
    });
    assert.deepStrictEqual(
      TARGET_VIEWS.podTemplate(deployment)?.containers.map((c) => c.label),
      ['init container "i" (spec.template.spec.initContainers[0])', 'container "a" (spec.template.spec.containers[0])'],
    );
    assert.deepStrictEqual(TARGET_VIEWS.object(deployment), {
      kind: "Deployment",
      name: "d",
      namespace: "ns",
      scalable: true,
    });
    assert.strictEqual(TARGET_VIEWS.displayName(deployment), "Deployment ns/d");
  });

  it("leave a type no target owns unanswered", () => {
    const other = resource("random:index/randomPassword:RandomPassword", { result: "x" });
    for (const [question, ask] of Object.entries(QUESTIONS)) {
      assert.strictEqual(ask(TARGET_VIEWS, other), undefined, question);
    }
  });
});
