import * as assert from "assert";
import { parse } from "yaml";
import { StackTranslationError, stackProject } from "../../../components/swarm/offline/stack-file";
import { Render, RenderedResource } from "../../../tools/render/model";

const OPTIONS = { protect: false, retainOnDelete: false, deleteBeforeReplace: false, ignoreChanges: [], dependsOn: [] };

function resource(type: string, name: string, inputs: Record<string, unknown>): RenderedResource {
  return { urn: `urn:${name}`, type, name, parent: null, inputs, options: OPTIONS };
}

function renderWith(containerSpec: Record<string, unknown>): Render {
  return {
    project: "ml-platform",
    stack: "staging",
    target: "swarm",
    outputs: {},
    resources: [
      resource("docker:index/network:Network", "ml-platform-network-overlay", {
        name: "ml-platform-staging",
        driver: "overlay",
        attachable: true,
      }),
      resource("docker:index/service:Service", "ml-platform-model-serving-service", {
        name: "ml-platform-staging_model-serving",
        mode: { replicated: { replicas: 2 } },
        taskSpec: {
          containerSpec: { image: "python:3.12.11", ...containerSpec },
          networksAdvanceds: [{ name: "ml-platform-network-overlay-id", aliases: ["model-serving"] }],
          restartPolicy: { condition: "any" },
        },
      }),
    ],
  };
}

describe("swarm target: the stack file translation", () => {
  it("writes each service under its workload's name, on the overlay network by name", () => {
    const project = stackProject(renderWith({ env: { A: "cost $5" } }));
    const document = parse(project.yaml) as {
      services: Record<string, { networks: unknown; environment: Record<string, string>; deploy: unknown }>;
    };
    const serving = document.services["model-serving"];
    assert.deepStrictEqual(serving.networks, { "ml-platform-staging": { aliases: ["model-serving"] } });
    // Dollars are escaped, so docker stack deploy's interpolation hands the task the value as it is.
    assert.strictEqual(serving.environment.A, "cost $$5");
    assert.deepStrictEqual(serving.deploy, { mode: "replicated", replicas: 2, restart_policy: { condition: "any" } });
  });

  it("refuses a provider input it does not translate, instead of dropping it", () => {
    assert.throws(
      () => stackProject(renderWith({ hostname: "node-1" })),
      (error: Error) => error instanceof StackTranslationError && /containerSpec hostname/.test(error.message),
    );
  });
});
