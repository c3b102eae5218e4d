/**
 * The README's Guardrails say Docker containers have no process limit because
 * the provider has no input for one. This test holds that statement to the
 * installed provider: when a release adds a pids limit to ContainerArgs, it
 * fails, so the limit gets set on the workers (and translated to Compose)
 * instead of the README going stale.
 */
import * as assert from "assert";
import * as fs from "fs";

function containerArgsSource(): string {
  const declarations = fs.readFileSync(require.resolve("@pulumi/docker/container.d.ts"), "utf8");
  const start = declarations.indexOf("export interface ContainerArgs");
  assert.ok(start >= 0, "no ContainerArgs in @pulumi/docker's container.d.ts");
  return declarations.slice(start);
}

describe("docker target: process limits", () => {
  it("@pulumi/docker's Container still has no pids limit, as the README says", () => {
    const inputs = [...containerArgsSource().matchAll(/^ {4}(\w+)\?:/gm)].map((match) => match[1]);
    assert.ok(inputs.includes("ulimits") && inputs.includes("memory"), `unexpected inputs: ${inputs.join(", ")}`);
    const pids = inputs.filter((input) => /pid/i.test(input) && input !== "pidMode");
    assert.deepStrictEqual(pids, [], "the provider has a pids limit now: set it on the workers and in compose.yaml");
  });
});
