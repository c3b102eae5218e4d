import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SECRETS_FILE } from "../../tools/render/generated-passwords";
import { KUBERNETES_SECRETS_FILE } from "../../components/kubernetes/offline/secrets-file";
import { Render } from "../../tools/render/model";
import { committedSdkTrace, runRender, renderConfig, renderStack } from "../support/render";

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
    }
  };
  walk(dir);
  return files;
}

describe("the offline render", () => {
  for (const stack of ["dev", "prod"]) {
    describe(`of ${stack}`, () => {
      it("writes resources.json in the documented shape, with URNs for parents and dependencies", () => {
        const render = renderStack(stack);
        assert.strictEqual(render.project, "ml-platform");
        assert.strictEqual(render.stack, stack);
        assert.strictEqual(render.target, stack === "dev" ? "docker" : "kubernetes");
        assert.ok(render.resources.length > 0, "no resources rendered");
        const urns = new Set(render.resources.map((r) => r.urn));
        const stackUrn = `urn:pulumi:${stack}::ml-platform::pulumi:pulumi:Stack::ml-platform-${stack}`;
        for (const resource of render.resources) {
          assert.deepStrictEqual(
            Object.keys(resource).sort(),
            ["inputs", "name", "options", "parent", "type", "urn"],
            resource.urn,
          );
          assert.deepStrictEqual(
            Object.keys(resource.options).sort(),
            ["deleteBeforeReplace", "dependsOn", "ignoreChanges", "protect", "retainOnDelete"],
            resource.urn,
          );
          assert.ok(
            resource.parent === stackUrn || urns.has(resource.parent ?? ""),
            `${resource.urn} has unknown parent ${resource.parent}`,
          );
          for (const dependency of resource.options.dependsOn)
            assert.ok(urns.has(dependency), `${resource.urn} depends on unknown ${dependency}`);
        }
        for (const key of ["prefectUiUrl", "servingUrl", "workPool", "retraining"]) {
          assert.ok(
            typeof render.outputs[key] === "string" && (render.outputs[key] as string).length > 0,
            `output ${key} is empty`,
          );
        }
      });

      it("is byte-identical across two runs, in a process of its own and in-process", () => {
        // The committed render ran the CLI in a fresh process; this one runs in a thread that may have rendered before.
        const first = renderStack(stack);
        const second = runRender(["--stack", stack]);
        assert.strictEqual(second.status, 0, second.stderr);
        const a = filesUnder(first.outDir);
        const b = filesUnder(second.outDir);
        assert.deepStrictEqual([...a.keys()].sort(), [...b.keys()].sort());
        for (const [file, text] of a) {
          // Passwords are generated per output folder (tests/components/docker/compose.test.ts, tests/components/kubernetes/secrets-file.test.ts).
          if ([SECRETS_FILE, KUBERNETES_SECRETS_FILE].includes(path.basename(file))) continue;
          assert.ok(text === b.get(file), `${file} differs between two renders`);
        }
        assert.ok(a.has(`${stack}/graph.mmd`), "no graph.mmd");
        assert.match(a.get(`${stack}/graph.mmd`) ?? "", /^flowchart LR/);
      });
    });
  }

  it("loads only the stack's own provider SDK", function () {
    this.timeout(120000);
    // Traced in the fresh processes that rendered the committed stacks.
    const dev = committedSdkTrace("dev");
    const prod = committedSdkTrace("prod");
    assert.ok(
      !dev.packages.includes("@pulumi/kubernetes"),
      `dev loaded @pulumi/kubernetes: ${dev.packages.join(", ")}`,
    );
    assert.ok(!prod.packages.includes("@pulumi/docker"), `prod loaded @pulumi/docker: ${prod.packages.join(", ")}`);
    assert.ok(dev.packages.includes("@pulumi/docker") && prod.packages.includes("@pulumi/kubernetes"));
    assert.ok(!prod.requested.includes("@pulumi/kubernetes"), "prod imports the whole @pulumi/kubernetes package");
  });

  it("refuses a broken config with every problem, no stack trace and no files", () => {
    const run = renderConfig(
      "dev",
      [
        "config:",
        "  ml-platform:target: docker",
        "  ml-platform:environment: development",
        "  ml-platform:serving:",
        "    replicas: -2",
        "    autoscaling: { minReplicas: 4, maxReplicas: 2 }",
        "  ml-platform:wrokers: {}",
        "",
      ].join("\n"),
    );
    assert.notStrictEqual(run.status, 0);
    assert.match(run.stderr, /ml-platform:serving\.replicas: must be at least 1/);
    assert.match(run.stderr, /ml-platform:serving\.autoscaling\.minReplicas: 4 exceeds maxReplicas 2/);
    assert.match(run.stderr, /ml-platform:wrokers: unknown key; did you mean "worker"\?/);
    assert.doesNotMatch(run.stderr, /^\s+at /m, "printed a stack trace");
    assert.deepStrictEqual(fs.readdirSync(run.outDir), [], "wrote files for a broken config");
  });

  it("reads --config in place of the stack file", () => {
    // Pulumi.dev.yaml runs 2 serving replicas on the pool "ml-pool": the render must show the file's 3 and its pool.
    const run = renderConfig(
      "dev",
      "config:\n  ml-platform:target: docker\n  ml-platform:environment: development\n  ml-platform:serving:\n    replicas: 3\n  ml-platform:worker:\n    workPool: from-config-file\n",
    );
    assert.strictEqual(run.status, 0, run.stderr);
    const render = JSON.parse(fs.readFileSync(path.join(run.outDir, "dev", "resources.json"), "utf8")) as Render;
    const replicas = (of: Render) =>
      of.resources
        .filter((resource) => resource.type === "docker:index/container:Container")
        .map((resource) => resource.name)
        .filter((name) => /^ml-platform-model-serving-\d+$/.test(name))
        .sort();
    assert.deepStrictEqual(
      replicas(render),
      [0, 1, 2].map((index) => `ml-platform-model-serving-${index}`),
    );
    assert.strictEqual(render.outputs.workPool, "from-config-file");
    const committed = renderStack("dev");
    assert.strictEqual(replicas(committed).length, 2, "the committed dev stack no longer runs 2 replicas");
    assert.strictEqual(committed.outputs.workPool, "ml-pool", "the committed dev stack no longer uses ml-pool");
  });
});
