import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { platformConfigSchema } from "../../config/schema";
import { projectRoot } from "../../platform/project-root";

const root = projectRoot();
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

/** Every key the schema accepts, optional ones included, as dotted paths to its leaves. */
function schemaKeys(schema: z.ZodType, prefix = ""): string[] {
  let current = schema;
  for (;;) {
    const inner = (current as unknown as { unwrap?: () => z.ZodType }).unwrap;
    if (typeof inner !== "function" || current instanceof z.ZodObject) break;
    current = inner.call(current);
  }
  if (!(current instanceof z.ZodObject)) return [prefix];
  return Object.entries(current.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    schemaKeys(child, prefix ? `${prefix}.${key}` : key),
  );
}

/** The rows of the configuration reference: the key cell and the meaning cell. */
function configRows(markdown: string): { keys: string; meaning: string }[] {
  const section = markdown.split("\n## Configuration reference")[1]?.split("\n## ")[0] ?? "";
  return section
    .split("\n")
    .filter((line) => /^\| `/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()))
    .map((cells) => ({ keys: cells[1], meaning: cells[3] }));
}

/**
 * The keys a row documents, written as the table writes them:
 * `a.b`, `a.c` (a list), `a.b.c` / `.d` (siblings of the first key),
 * `a.resources` (a resource block: requests.cpu, requests.memory, limits.cpu,
 * limits.memory) and `a.*` (every key under a, each named in the meaning).
 */
function documentedKeys(row: { keys: string; meaning: string }, schemaKeys: string[]): string[] {
  const names = [...row.keys.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
  let parent = "";
  return names.flatMap((name) => {
    const full = name.startsWith(".") ? `${parent}${name.slice(1)}` : name;
    parent = full.slice(0, full.lastIndexOf(".") + 1);
    if (full.endsWith(".*")) {
      const owner = full.slice(0, -1);
      const under = schemaKeys.filter((key) => key.startsWith(owner));
      const unnamed = under.filter((key) => !row.meaning.includes(`\`${key.slice(owner.length)}\``));
      assert.deepStrictEqual(unnamed, [], `README row ${row.keys} does not name ${unnamed.join(", ")}`);
      return under;
    }
    if (full.endsWith(".resources") || full === "resources")
      return ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].map((leaf) => `${full}.${leaf}`);
    return [full];
  });
}

function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
}

describe("README", () => {
  it("documents every config key the schema accepts, and only those, in the configuration reference", () => {
    const accepted = schemaKeys(platformConfigSchema);
    assert.ok(accepted.length > 50, `the schema walk found only ${accepted.length} keys`);
    const documented = configRows(readme).flatMap((row) => documentedKeys(row, accepted));
    const repeated = documented.filter((key, index) => documented.indexOf(key) !== index);
    assert.deepStrictEqual(repeated, [], `keys documented twice: ${repeated.join(", ")}`);
    const missing = accepted.filter((key) => !documented.includes(key));
    const unknown = documented.filter((key) => !accepted.includes(key));
    assert.deepStrictEqual(missing, [], `undocumented keys: ${missing.join(", ")}`);
    assert.deepStrictEqual(unknown, [], `documented keys the schema does not have: ${unknown.join(", ")}`);
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
