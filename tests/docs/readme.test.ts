import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { platformConfigSchema } from "../../config/schema";
import { projectRoot } from "../../platform/project-root";

const root = projectRoot();
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
}

function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe("README", () => {
  it("documents every config key the schema accepts", () => {
    const missing = leafPaths(platformConfigSchema.parse({}))
      .filter((keyPath) => {
        const owner = keyPath.slice(0, -1).join(".");
        const leaf = keyPath[keyPath.length - 1];
        // Resource blocks share one documented shape; the block itself must be listed.
        if (keyPath.includes("resources"))
          return !readme.includes(`\`${keyPath.slice(0, keyPath.indexOf("resources") + 1).join(".")}`);
        return owner === ""
          ? !readme.includes(`\`${leaf}\``)
          : !(readme.includes(`\`${owner}`) && readme.includes(leaf));
      })
      .map((keyPath) => keyPath.join("."));
    assert.deepStrictEqual(missing, [], `undocumented keys: ${missing.join(", ")}`);
  });

  it("gives the test command that CI runs, word for word", () => {
    const ciCommand = fs
      .readFileSync(path.join(root, ".ci", "run"), "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "" && !line.startsWith("#") && !/^(set|cd) /.test(line))
      .pop();
    const readmeCommands = shellBlocks(readme).flatMap((block) =>
      block.split("\n").filter((line) => line && !line.startsWith("#")),
    );
    assert.ok(ciCommand && readmeCommands.includes(ciCommand), `README has no command "${ciCommand}"`);
  });

  it("gives a main-job command that installs and runs the dev stack through a script that exists", () => {
    const scripts = (
      JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    const main = shellBlocks(readme)
      .flatMap((block) => block.split("\n"))
      .find((line) => /^npm ci && npm run up -- dev$/.test(line));
    assert.ok(main, "no `npm ci && npm run up -- dev` command");
    assert.ok(scripts.up, "package.json has no up script");
  });
});
