/**
 * Every manifest the prod render writes, validated against the Kubernetes
 * OpenAPI schema (kubernetes-models 4.5.1, Kubernetes 1.33): wrong types, bad
 * quantities and missing required fields fail here, not on the cluster.
 *
 * The render masks secret values, and a Secret's whole stringData is secret,
 * so the masked Secret is not an object at all. The files validated come from
 * the same render with fake (sentinel) secrets instead; the suite checks that
 * it writes exactly the same files.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { renderStack, runRender } from "../support/render";

type Manifest = Record<string, unknown>;

interface Validating {
  validate(): void;
}

/** The model class for a manifest's apiVersion and kind, e.g. kubernetes-models/apps/v1/Deployment. */
async function modelFor(manifest: Manifest): Promise<new (data: Manifest) => Validating> {
  const { apiVersion, kind } = manifest;
  if (typeof apiVersion !== "string" || typeof kind !== "string")
    throw new Error("the manifest has no apiVersion or kind");
  const loaded = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
  const model = loaded[kind];
  if (typeof model !== "function") throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return model as new (data: Manifest) => Validating;
}

async function problemsOf(manifest: Manifest): Promise<string | undefined> {
  const Model = await modelFor(manifest);
  try {
    new Model(manifest).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function manifestFiles(outDir: string, stack: string): string[] {
  const dir = path.join(outDir, stack, "manifests");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((file) => file.endsWith(".yaml"))
        .sort()
    : [];
}

function read(outDir: string, stack: string, file: string): Manifest {
  return parse(fs.readFileSync(path.join(outDir, stack, "manifests", file), "utf8")) as Manifest;
}

const copy = (manifest: Manifest): Manifest => JSON.parse(JSON.stringify(manifest)) as Manifest;

describe("prod manifests against the Kubernetes OpenAPI schema", function () {
  this.timeout(180000);
  let outDir: string;
  let files: string[];

  before(() => {
    const run = runRender(["--stack", "prod", "--secret-sentinels"]);
    assert.strictEqual(run.status, 0, `prod render failed:\n${run.stderr}`);
    outDir = run.outDir;
    files = manifestFiles(outDir, "prod");
  });

  it("writes the same files as the plain render, one per object", () => {
    const plain = renderStack("prod");
    assert.deepStrictEqual(files, manifestFiles(plain.outDir, "prod"), "the sentinel render wrote other files");
    assert.ok(files.length >= 30, `only ${files.length} manifests written`);
  });

  it("has every manifest pass the schema of its apiVersion and kind", async () => {
    const failures: string[] = [];
    for (const file of files) {
      const problems = await problemsOf(read(outDir, "prod", file));
      if (problems) failures.push(`${file}: ${problems}`);
    }
    assert.deepStrictEqual(failures, [], "manifests that break the schema");
  });

  describe("the validator itself", () => {
    const first = (kind: string) => {
      const file = files.find((candidate) => candidate.startsWith(`${kind.toLowerCase()}_`));
      if (!file) throw new Error(`the render wrote no ${kind}`);
      return read(outDir, "prod", file);
    };

    it("rejects a quantity that is not one", async () => {
      const quota = copy(first("ResourceQuota"));
      ((quota.spec as Manifest).hard as Record<string, string>)["limits.cpu"] = "lots";
      assert.match(String(await problemsOf(quota)), /limits\.cpu.*quantity/, "a bad CPU quantity passed");
    });

    it("rejects a missing required field", async () => {
      const deployment = copy(first("Deployment"));
      const containers = (((deployment.spec as Manifest).template as Manifest).spec as Manifest)
        .containers as Manifest[];
      delete containers[0].name;
      assert.match(
        String(await problemsOf(deployment)),
        /containers\/0 must have required property '?name'?/,
        "a container without a name passed",
      );
    });

    it("rejects a field of the wrong type", async () => {
      const job = copy(first("Job"));
      (job.spec as Manifest).backoffLimit = "twice";
      assert.match(String(await problemsOf(job)), /backoffLimit must be integer/, "a string backoffLimit passed");
    });

    it("knows no model for a kind Kubernetes does not have", async () => {
      await assert.rejects(
        modelFor({ apiVersion: "apps/v1", kind: "Deploymnet" }),
        /Cannot find module|no apps\/v1 Deploymnet/,
      );
    });
  });
});
