/**
 * Stack names become file and folder names (Pulumi.<stack>.yaml,
 * <out>/<stack>), so every tool refuses anything but a plain name, "." and
 * ".." included, and the render removes nothing but an earlier render of its
 * own inside the output folder. Everything runs in temporary folders: a
 * regression here deletes folders.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAutomationArgs } from "../../tools/automation/args";
import { checkStackNames, STACK_NAME_RULE, stackNameProblem } from "../../tools/command-line";
import { Render } from "../../tools/render/model";
import { RenderOutputError, writeRender } from "../../tools/render/write";
import { projectRoot } from "../../platform/project-root";
import { runRender, runRenderCli } from "../support/render";
import { runToolInThread } from "./support/in-thread-tool";
import { copyProject, ProjectCopy } from "./support/project-copy";

const NOT_NAMES = ["..", ".", "...", "../dev", "dev/..", "a/b", "", " dev", "dev\n"];

/** A scratch folder holding an output folder with something of the user's in it, and a file beside it. */
function scratch(): { work: string; out: string; sentinels: string[] } {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "ml-stack-names-"));
  const out = path.join(work, "out");
  fs.mkdirSync(path.join(out, "other"), { recursive: true });
  const sentinels = [path.join(work, "keep.txt"), path.join(out, "other", "keep.txt")];
  for (const file of sentinels) fs.writeFileSync(file, "keep me\n");
  return { work, out, sentinels };
}

function assertKept(sentinels: string[]): void {
  for (const file of sentinels) assert.ok(fs.existsSync(file), `${file} was deleted`);
}

describe("stack names and the render's output folder", function () {
  this.timeout(120000);

  it("a stack name is letters, digits, '.', '_' and '-', and not only dots", () => {
    for (const name of ["dev", "prod", "dev-2", "team_a.prod", "v1.2"])
      assert.strictEqual(stackNameProblem(name), undefined);
    for (const name of NOT_NAMES)
      assert.match(stackNameProblem(name) ?? "", /is not a stack name/, JSON.stringify(name));
    assert.throws(
      () => checkStackNames(["dev", "..", "."]),
      (error: Error) =>
        error.message.includes('".." is not a stack name') &&
        error.message.includes('"." is not a stack name') &&
        error.message.includes(STACK_NAME_RULE),
    );
  });

  for (const stack of ["..", "."]) {
    it(`render --stack "${stack}" --config F is refused, and neither the output folder nor its parent is touched`, () => {
      const { work, out, sentinels } = scratch();
      const config = path.join(work, "Pulumi.dev.yaml");
      fs.copyFileSync(path.join(projectRoot(), "Pulumi.dev.yaml"), config);
      sentinels.push(config);
      // One name through the CLI's own process, the other through its command in the test's command thread.
      const args = ["--stack", stack, "--config", config];
      const run = stack === ".." ? runRenderCli(args, out) : runRender(args, out);
      assertKept(sentinels);
      assert.notStrictEqual(run.status, 0, `the render of "${stack}" succeeded:\n${run.stdout}`);
      assert.match(run.stderr, new RegExp(`"${stack.replace(/\./g, "\\.")}" is not a stack name: a stack name is`));
      assert.doesNotMatch(`${run.stdout}${run.stderr}`, /^\s+at \S/m, "printed a stack trace");
      assert.deepStrictEqual(fs.readdirSync(out), ["other"], "the render wrote into the output folder");
      assert.deepStrictEqual(fs.readdirSync(work).sort(), ["Pulumi.dev.yaml", "keep.txt", "out"]);
    });
  }

  it("writeRender replaces only <out>/<stack>, and only when it holds an earlier render", () => {
    const { out, sentinels } = scratch();
    const render = (stack: string): Render => ({
      project: "ml-platform",
      stack,
      target: "kubernetes",
      resources: [],
      outputs: {},
    });
    for (const stack of ["..", ".", "other/..", "../out"]) {
      assert.throws(() => writeRender(render(stack), out), RenderOutputError, stack);
      assertKept(sentinels);
    }
    // A folder of the user's where the render would go is left alone.
    assert.throws(() => writeRender(render("other"), out), /is not an earlier render/);
    assertKept(sentinels);
    // An earlier render is replaced.
    const written = writeRender(render("dev"), out);
    fs.writeFileSync(path.join(written, "stale.txt"), "from an earlier render\n");
    writeRender(render("dev"), out);
    assert.deepStrictEqual(fs.readdirSync(path.join(out, "dev")).sort(), ["graph.mmd", "resources.json"]);
    assert.deepStrictEqual(fs.readdirSync(out).sort(), ["dev", "other"]);
  });

  it("render says so, without a stack trace, when --out is a file", () => {
    const { work } = scratch();
    const file = path.join(work, "keep.txt");
    const run = runRender(["--stack", "dev"], file);
    assert.strictEqual(run.status, 1, run.stdout);
    assert.match(run.stderr, /render of dev failed: .*keep\.txt/);
    assert.doesNotMatch(run.stderr, /^\s+at \S/m, `printed a stack trace:\n${run.stderr}`);
    assert.strictEqual(fs.readFileSync(file, "utf8"), "keep me\n");
  });

  it("render says so, without a stack trace and writing nothing, when --registrations-log cannot be written", () => {
    const { work, out } = scratch();
    const log = path.join(work, "missing", "log.jsonl");
    const run = runRender(["--stack", "dev", "--registrations-log", log], out);
    assert.strictEqual(run.status, 1, run.stdout);
    assert.match(run.stderr, /render of dev failed: .*missing\/log\.jsonl/);
    assert.doesNotMatch(run.stderr, /^\s+at \S/m, `printed a stack trace:\n${run.stderr}`);
    assert.deepStrictEqual(fs.readdirSync(out), ["other"]);
  });

  describe("diff, compare and promote (on a scratch copy of the project)", () => {
    let copy: ProjectCopy;
    before(() => (copy = copyProject({ git: true })));
    after(() => copy?.remove());

    const invocations: Array<[string, "diff" | "compare" | "promote", string[]]> = [
      ["diff --stack ..", "diff", ["--stack", ".."]],
      ["diff --stack .", "diff", ["--stack", "."]],
      ["compare .. prod", "compare", ["..", "prod"]],
      ["promote --from .. --to prod", "promote", ["--from", "..", "--to", "prod", "--dry-run"]],
      ["promote --from dev --to .", "promote", ["--from", "dev", "--to", ".", "--dry-run"]],
    ];
    for (const [what, tool, args] of invocations) {
      it(`${what} is a usage error (status 2) naming the rule`, () => {
        // compare has no command of its own to run in the thread; it and one other go through their processes.
        const run =
          tool === "compare" || what === "diff --stack .." ? copy.tool(tool, args) : runToolInThread(copy, tool, args);
        assert.strictEqual(run.status, 2, `${run.stdout}${run.stderr}`);
        assert.match(run.stderr, /is not a stack name: a stack name is letters, digits/);
        assert.doesNotMatch(run.stderr, /^\s+at \S/m);
        assert.ok(!fs.existsSync(path.join(copy.dir, "out")), `${what} wrote out/`);
      });
    }
  });

  it("npm run up|preview|refresh|destroy refuses '.', '..' and deeper paths in any part of the name", () => {
    for (const stack of ["..", ".", "org/..", "./dev", "org/project/.", "a/b/c/d", "org//dev"]) {
      assert.throws(
        () => parseAutomationArgs(["up", stack]),
        /is not a stack name: \[org\/\[project\/\]\]stack/,
        stack,
      );
    }
    assert.strictEqual(parseAutomationArgs(["up", "org/ml-platform/dev"]).stack, "org/ml-platform/dev");
  });
});
