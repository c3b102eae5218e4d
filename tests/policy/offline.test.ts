import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { settingsFromConfig } from "../../policy/settings";
import { projectRoot } from "../../platform/project-root";
import { evaluatePolicies, mandatory } from "../../tools/policy/evaluate";
import { readStackConfig } from "../../tools/render/stack-config";
import { renderStack, runRender } from "../support/render";
import { stackFileWith } from "./stack-file";

function renderWith(stack: string, changes: Record<string, unknown>) {
  return runRender(["--stack", stack, "--config", stackFileWith(stack, changes)]);
}

describe("the policies, offline", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    it(`find no mandatory violation in the ${stack} stack`, () => {
      const render = renderStack(stack);
      const settings = settingsFromConfig(readStackConfig(projectRoot(), stack).config);
      assert.strictEqual(settings.environment, stack === "dev" ? "development" : "production");
      const blocking = mandatory(evaluatePolicies({ resources: render.resources, settings }));
      assert.deepStrictEqual(
        blocking.map((finding) => `${finding.policy} ${finding.urn}: ${finding.message}`),
        [],
        `${stack} violates mandatory policies`,
      );
    });
  }

  it("fail the render on a mandatory violation, naming policy, resource and reason, and write nothing", () => {
    const run = renderWith("prod", { "kubernetes.serviceType": "LoadBalancer" });
    assert.notStrictEqual(run.status, 0, `a LoadBalancer rendered in prod:\n${run.stdout}`);
    assert.match(
      run.stderr,
      /\[mandatory\] no-unapproved-load-balancer {2}urn:pulumi:prod::ml-platform::\S+kubernetes:core\/v1:Service::\S+\n\s+Service "\S+" is of type LoadBalancer/,
    );
    assert.match(run.stderr, /render of prod refused: \d+ mandatory policy violation\(s\); nothing was written/);
    assert.ok(!fs.existsSync(path.join(run.outDir, "prod")), "a refused render wrote files");
  });

  it("let a stack that allows load balancers render them", () => {
    const run = renderWith("prod", { "kubernetes.serviceType": "LoadBalancer", "kubernetes.allowLoadBalancer": true });
    assert.strictEqual(run.status, 0, run.stderr);
  });

  it("only advise on the explicit dev Docker-socket opt-in, and render", () => {
    const run = renderWith("dev", { "docker.workerDockerSocket": true });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /\[advisory\] no-docker-socket {2}urn:pulumi:dev::ml-platform::\S+docker:index\/container:Container::\S+\n\s+container "\S+" mounts the container runtime's socket "\/var\/run\/docker.sock"/,
    );
    assert.ok(fs.existsSync(path.join(run.outDir, "dev", "resources.json")), "an advisory finding stopped the render");
  });

  it("are stricter for a production stack: the same opt-in and unprotected storage are refused", () => {
    const socket = renderWith("dev", { environment: "production", "docker.workerDockerSocket": true });
    assert.notStrictEqual(socket.status, 0, socket.stdout);
    assert.match(socket.stderr, /\[mandatory\] no-docker-socket/);
    const unprotected = renderWith("prod", { protectStorage: false });
    assert.notStrictEqual(unprotected.status, 0, unprotected.stdout);
    assert.match(
      unprotected.stderr,
      /\[mandatory\] stateful-storage-protected {2}\S+PersistentVolumeClaim\S+\n\s+the PersistentVolumeClaim holds state but is not protected/,
    );
    const development = renderWith("dev", { protectStorage: false });
    assert.strictEqual(development.status, 0, development.stderr);
    assert.match(development.stdout, /\[advisory\] stateful-storage-protected/);
  });
});
