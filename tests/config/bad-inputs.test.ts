/**
 * The bad-input corpus: every file in tests/fixtures/bad-configs is a broken
 * stack config with a header saying what it must be refused for:
 *
 *   # stack: prod                       (optional; dev otherwise)
 *   # expect: <config key> | <rule>     (one or more)
 *
 * Each goes through the real render CLI and must fail naming the key and the
 * rule on one line, print no stack trace, write nothing and register no
 * resource (the mock provider logs every registration as it happens).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../../platform/project-root";
import { runRender } from "../support/render";

const CORPUS = path.join(projectRoot(), "tests", "fixtures", "bad-configs");

interface Expectation {
  key: string;
  rule: string;
}

interface BadConfig {
  file: string;
  stack: string;
  expectations: Expectation[];
}

function readCase(file: string): BadConfig {
  const header = fs
    .readFileSync(path.join(CORPUS, file), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("#"));
  const stack = header.map((line) => /^# stack: (\S+)/.exec(line)?.[1]).find(Boolean) ?? "dev";
  const expectations = header.flatMap((line) => {
    const match = /^# expect: (.+?) \| (.+)$/.exec(line);
    return match ? [{ key: match[1].trim(), rule: match[2].trim() }] : [];
  });
  return { file, stack, expectations };
}

/** Registrations the program made: the root Stack is Pulumi's own and exists before the program runs. */
function programRegistrations(log: string): string[] {
  assert.ok(fs.existsSync(log), `the render never started its mock provider (no ${log})`);
  return fs
    .readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { type: string; name: string })
    .filter((registration) => registration.type !== "pulumi:pulumi:Stack")
    .map((registration) => `${registration.type}::${registration.name}`);
}

const cases = fs
  .readdirSync(CORPUS)
  .filter((file) => file.endsWith(".yaml"))
  .sort()
  .map(readCase);

describe("the bad-input corpus", () => {
  it("holds at least 25 broken configs, each saying what it must be refused for", () => {
    assert.ok(cases.length >= 25, `only ${cases.length} cases in ${CORPUS}`);
    for (const badConfig of cases)
      assert.ok(badConfig.expectations.length > 0, `${badConfig.file} has no "# expect: <key> | <rule>" header`);
  });

  for (const badConfig of cases) {
    it(`refuses ${badConfig.file}`, () => {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), "ml-bad-"));
      const log = path.join(work, "registrations.jsonl");
      const outDir = path.join(work, "out");
      const run = runRender(
        ["--stack", badConfig.stack, "--config", path.join(CORPUS, badConfig.file), "--registrations-log", log],
        outDir,
      );
      const said = `${run.stdout}${run.stderr}`;

      assert.notStrictEqual(run.status, 0, `${badConfig.file} rendered:\n${said}`);
      for (const { key, rule } of badConfig.expectations) {
        const named = run.stderr.split("\n").some((line) => line.includes(key) && line.includes(rule));
        assert.ok(named, `${badConfig.file}: no line names ${key} with "${rule}":\n${run.stderr}`);
      }
      assert.doesNotMatch(said, /^\s+at \S/m, `${badConfig.file} printed a stack trace:\n${said}`);
      assert.ok(
        !fs.existsSync(path.join(outDir, badConfig.stack)),
        `${badConfig.file} wrote ${path.join(outDir, badConfig.stack)}`,
      );
      assert.deepStrictEqual(
        programRegistrations(log),
        [],
        `${badConfig.file} registered resources before being refused`,
      );
    });
  }
});
