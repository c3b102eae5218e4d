/**
 * One supported Node.js: the major version CI provides (.ci/node.sh) is the
 * one package.json's engines allows, the README asks for, the workflows set up
 * and @types/node describes, and @pulumi/pulumi accepts it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { projectRoot } from "../../platform/project-root";

const root = projectRoot();
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

function ciNodeMajor(): number {
  const match = /^ML_PLATFORM_NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(read(path.join(".ci", "node.sh")));
  assert.ok(match, ".ci/node.sh pins no exact ML_PLATFORM_NODE_VERSION");
  return Number(match[1]);
}

/** The lowest major version a ">=N" range allows. */
function lowestMajor(range: string, what: string): number {
  const match = /^>=\s*(\d+)(\.\d+){0,2}$/.exec(range.trim());
  assert.ok(match, `${what}: "${range}" is not a >=N range`);
  return Number(match[1]);
}

describe("the supported Node.js", () => {
  const major = ciNodeMajor();

  it("is a release line @pulumi/pulumi supports, and package.json's engines start there", () => {
    const pulumi = JSON.parse(read(path.join("node_modules", "@pulumi", "pulumi", "package.json"))) as {
      engines?: { node?: string };
    };
    if (pulumi.engines?.node) assert.ok(major >= lowestMajor(pulumi.engines.node, "@pulumi/pulumi engines.node"));
    const project = JSON.parse(read("package.json")) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    assert.strictEqual(lowestMajor(project.engines.node, "package.json engines.node"), major);
    assert.match(project.devDependencies["@types/node"], new RegExp(`^${major}\\.\\d+\\.\\d+$`), "@types/node");
  });

  it("is what the README asks for", () => {
    const prerequisites = read("README.md").split("## Prerequisites")[1]?.split("\n## ")[0] ?? "";
    assert.match(prerequisites, new RegExp(`^- Node\\.js ${major}\\b`, "m"));
  });

  it("is what every workflow sets up", () => {
    const dir = path.join(root, ".github", "workflows");
    const versions = fs
      .readdirSync(dir)
      .filter((file) => /\.ya?ml$/.test(file))
      .flatMap((file) => {
        const workflow = parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
          jobs?: Record<string, { steps?: { uses?: string; with?: Record<string, unknown> }[] }>;
        };
        return Object.values(workflow.jobs ?? {}).flatMap((job) =>
          (job.steps ?? [])
            .filter((step) => step.uses?.startsWith("actions/setup-node@"))
            .map((step) => `${file}: ${String(step.with?.["node-version"])}`),
        );
      });
    assert.ok(versions.length > 0, "no workflow sets up Node.js");
    const others = versions.filter((entry) => !entry.endsWith(`: ${major}`));
    assert.deepStrictEqual(others, [], `workflows on another Node.js than ${major}`);
  });
});
