/**
 * The bad-input corpus: every file in tests/fixtures/bad-configs is a broken
 * stack config with a header saying what it must be refused for:
 *
 *   # stack: prod                       (optional; dev otherwise)
 *   # expect: <config key> | <rule>     (one or more)
 *
 * Each is rendered in this process, exactly as the render CLI does it (the
 * config read from the file, then the program under the mock runtime), and
 * must be refused with the program's own verdict (a config error, which the
 * CLI prints without a stack trace), naming the key and the rule on one line,
 * before any resource is registered (the mock provider logs every
 * registration as it happens). A dev case and a prod case also go through the
 * real render CLI, which must fail the same way and write nothing.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { projectRoot } from "../../platform/project-root";
import { renderInProcess } from "../../tools/render/run";
import { readStackConfig, StackFileError } from "../../tools/render/stack-config";
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

/**
 * Registrations the program made: the root Stack is Pulumi's own and exists
 * before the program runs. A stack file refused for its shape never reaches
 * the program, so it never starts the mock provider either.
 */
function programRegistrations(log: string, refusedStackFile = false): string[] {
  if (refusedStackFile) {
    assert.ok(!fs.existsSync(log), `a refused stack file still started the mock provider (${log})`);
    return [];
  }
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

/** The compiled project (dist/), whose index.js the render loads. */
const PROGRAM_DIR = path.join(__dirname, "..", "..");

function assertNamesEveryExpectation(badConfig: BadConfig, message: string): void {
  for (const { key, rule } of badConfig.expectations) {
    const named = message.split("\n").some((line) => line.includes(key) && line.includes(rule));
    assert.ok(named, `${badConfig.file}: no line names ${key} with "${rule}":\n${message}`);
  }
}

interface Refusal {
  message: string;
  /** Refused for the stack file's shape, before the program ran. */
  stackFile: boolean;
}

/** Renders a case in this process; returns the refusal, or fails if it rendered or crashed. */
async function refusalInProcess(badConfig: BadConfig, log: string): Promise<Refusal> {
  try {
    const source = readStackConfig(projectRoot(), badConfig.stack, path.join(CORPUS, badConfig.file));
    await renderInProcess(PROGRAM_DIR, badConfig.stack, source, { registrationsLog: log });
  } catch (error) {
    // The CLI prints these as they are; anything else is a crash it would print with a stack trace.
    if (error instanceof StackFileError) return { message: error.message, stackFile: true };
    if (pulumi.RunError.isInstance(error as Error)) return { message: (error as Error).message, stackFile: false };
    assert.fail(`${badConfig.file} crashed the render instead of being refused:\n${(error as Error).stack}`);
  }
  assert.fail(`${badConfig.file} rendered`);
}

describe("the bad-input corpus", () => {
  it("holds at least 25 broken configs, each saying what it must be refused for", () => {
    assert.ok(cases.length >= 25, `only ${cases.length} cases in ${CORPUS}`);
    for (const badConfig of cases)
      assert.ok(badConfig.expectations.length > 0, `${badConfig.file} has no "# expect: <key> | <rule>" header`);
  });

  for (const badConfig of cases) {
    it(`refuses ${badConfig.file}`, async () => {
      const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-bad-")), "registrations.jsonl");
      const { message, stackFile } = await refusalInProcess(badConfig, log);
      assertNamesEveryExpectation(badConfig, message);
      assert.doesNotMatch(message, /^\s+at \S/m, `${badConfig.file} reported a stack trace:\n${message}`);
      assert.deepStrictEqual(
        programRegistrations(log, stackFile),
        [],
        `${badConfig.file} registered resources before being refused`,
      );
    });
  }

  describe("through the real render CLI", () => {
    const picks: Array<[string, (candidate: BadConfig) => boolean]> = [
      ["a dev case", (candidate) => candidate.stack === "dev"],
      ["a prod case", (candidate) => candidate.stack === "prod"],
      ["a stack file of the wrong shape", (candidate) => candidate.file === "stack-file-keys-outside-config.yaml"],
    ];
    for (const [what, pick] of picks) {
      const badConfig = cases.find(pick);
      const refusedStackFile = badConfig?.file.startsWith("stack-file-") ?? false;
      it(`refuses ${badConfig?.file ?? what} with status 1, no stack trace, no files and no registrations`, () => {
        assert.ok(badConfig, `the corpus has no ${what}`);
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "ml-bad-"));
        const log = path.join(work, "registrations.jsonl");
        const outDir = path.join(work, "out");
        const run = runRender(
          ["--stack", badConfig.stack, "--config", path.join(CORPUS, badConfig.file), "--registrations-log", log],
          outDir,
        );
        const said = `${run.stdout}${run.stderr}`;

        assert.strictEqual(run.status, 1, `${badConfig.file} was not refused with status 1:\n${said}`);
        assertNamesEveryExpectation(badConfig, run.stderr);
        assert.doesNotMatch(said, /^\s+at \S/m, `${badConfig.file} printed a stack trace:\n${said}`);
        assert.ok(
          !fs.existsSync(path.join(outDir, badConfig.stack)),
          `${badConfig.file} wrote ${path.join(outDir, badConfig.stack)}`,
        );
        assert.deepStrictEqual(
          programRegistrations(log, refusedStackFile),
          [],
          `${badConfig.file} registered resources before being refused`,
        );
      });
    }
  });
});
