import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { codeKey } from "../../../tools/diff/base-tree";
import { COMMENT_MARKER } from "../../../tools/diff/format-markdown";
import { workingTreeIsCommit } from "../../../tools/diff/git";
import { runToolInThread } from "../support/in-thread-tool";
import { copyProject, ProjectCopy } from "../support/project-copy";

/** The stack file with one YAML line replaced; fails when the line is not there. */
function edited(copy: ProjectCopy, file: string, from: string, to: string): void {
  const text = copy.read(file);
  assert.ok(text.includes(from), `${file} has no "${from}"`);
  copy.write(file, text.replace(from, to));
}

/** The lines of one resource's entry in a text diff, its heading included. */
function entry(output: string, heading: string): string[] {
  const lines = output.split("\n");
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `no "${heading}" in the diff:\n${output}`);
  const end = lines.findIndex((line, index) => index > start && !line.startsWith("    "));
  return lines.slice(start, end);
}

describe("npm run diff (on a scratch copy of the project with a stub target)", function () {
  this.timeout(180000);
  let copy: ProjectCopy;

  before(() => {
    copy = copyProject({ git: true });
  });
  after(() => copy?.remove());
  afterEach(() => {
    copy.git(["checkout", "--quiet", "--", "."]);
    copy.git(["clean", "--quiet", "-fd", "--exclude=node_modules"]);
  });

  type Git = (args: string[], input?: string) => string;

  /** A commit like HEAD with `change` made to its files, built in a private index so nothing else moves. */
  function commitLikeHead(message: string, change: (git: Git) => void): string {
    const index = path.join(os.tmpdir(), `ml-diff-index-${process.pid}`);
    const env = { ...process.env, GIT_INDEX_FILE: index };
    const git: Git = (args, input) => execFileSync("git", args, { cwd: copy.dir, env, encoding: "utf8", input }).trim();
    try {
      git(["read-tree", "HEAD"]);
      change(git);
      return git(["commit-tree", git(["write-tree"]), "-p", "HEAD", "-m", message]);
    } finally {
      fs.rmSync(index, { force: true });
    }
  }

  /** A commit like HEAD with `file` holding `text`. */
  function commitWith(file: string, text: string): string {
    return commitLikeHead(`changed ${file}`, (git) => {
      const blob = git(["hash-object", "-w", "--stdin"], text);
      git(["update-index", "--cacheinfo", `100644,${blob},${file}`]);
    });
  }

  // Through the CLI's own process once: the working tree as its base renders each stack once, in one thread.
  it("finds no changes when the working tree is the base, and --exit-code exits 0", () => {
    const run = copy.tool("diff", ["--exit-code"]);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Offline diff: merge-base with main \([0-9a-f]{12}\) → working tree$/m);
    assert.match(run.stdout, /^Stack dev \(docker target\): 0 to add, 0 to change, 0 to remove, \d+ unchanged$/m);
    assert.match(run.stdout, /^Stack prod \(kubernetes target\): 0 to add, 0 to change, 0 to remove, \d+ unchanged$/m);
  });

  it("shows exactly a replica-count change, and --exit-code exits 1", () => {
    edited(copy, "Pulumi.dev.yaml", "    port: 8080\n    replicas: 2\n", "    port: 8080\n    replicas: 3\n");
    const run = runToolInThread(copy, "diff", ["--stack", "dev", "--exit-code"]);
    assert.strictEqual(run.status, 1, run.stderr);
    assert.match(run.stdout, /^Stack dev \(docker target\): 1 to add, 0 to change, 0 to remove, \d+ unchanged$/m);
    assert.deepStrictEqual(entry(run.stdout, "+ RandomString ml-platform-model-serving-replica-2"), [
      "+ RandomString ml-platform-model-serving-replica-2",
      '    keepers.image: "python:3.12.11-slim-bookworm"',
      "    length: 8",
      "    special: false",
    ]);
    assert.ok(!run.stdout.includes("Stack prod"), "an unrequested stack was diffed");
  });

  it("shows an image change by property path, and a changed secret without its value", () => {
    edited(
      copy,
      "Pulumi.dev.yaml",
      "    serving: python:3.12.11-slim-bookworm",
      "    serving: python:3.12.12-slim-bookworm",
    );
    edited(copy, "Pulumi.dev.yaml", "  ml-platform:database:\n", "  ml-platform:database:\n    name: renameddb\n");
    const run = runToolInThread(copy, "diff", ["--stack", "dev"]);
    assert.strictEqual(run.status, 0, run.stderr);
    for (const replica of [0, 1]) {
      assert.deepStrictEqual(
        entry(run.stdout, `~ RandomString ml-platform-model-serving-replica-${replica}`).slice(1),
        ['    keepers.image: "python:3.12.11-slim-bookworm" → "python:3.12.12-slim-bookworm"'],
      );
    }
    assert.deepStrictEqual(entry(run.stdout, "~ RandomString ml-platform-postgres-connection").slice(1), [
      "    keepers: [secret] → [secret] (secret value changed; not shown)",
    ]);
    // The database name lives only inside the secret connection URL in the stub.
    assert.ok(!run.stdout.includes("renameddb"), "a value from inside a secret was printed");
    assert.ok(!/\[secret:|mock-/.test(run.stdout), "a fingerprint or a generated password was printed");
  });

  it("writes a markdown comment and the full diff with --format markdown", () => {
    edited(copy, "Pulumi.prod.yaml", "    maxReplicas: 10\n", "    maxReplicas: 12\n");
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "ml-diff-out-"));
    const [comment, full] = [path.join(out, "comment.md"), path.join(out, "full.md")];
    const run = runToolInThread(copy, "diff", ["--format", "markdown", "--output", comment, "--full-output", full]);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.strictEqual(run.stdout, "", "the comment went to stdout as well as to --output");
    assert.ok(run.stderr.includes(`full diff: `), run.stderr);
    const text = fs.readFileSync(comment, "utf8");
    assert.ok(text.startsWith(`${COMMENT_MARKER}\n`), text.slice(0, 200));
    assert.ok(text.includes("| `dev` | docker | 0 | 0 | 0 |"), text);
    assert.strictEqual(fs.readFileSync(full, "utf8"), text, "an uncut diff differs from its full version");
  });

  it("diffs every stack file on either side by default: new and deleted stacks too", () => {
    copy.write("Pulumi.qa.yaml", copy.read("Pulumi.dev.yaml"));
    fs.rmSync(path.join(copy.dir, "Pulumi.prod.yaml"));
    const run = runToolInThread(copy, "diff", []);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Stack qa \(new, docker target\): [1-9]\d* to add, 0 to change, 0 to remove, 0 unchanged$/m,
    );
    assert.match(
      run.stdout,
      /^Stack prod \(deleted; was kubernetes target\): 0 to add, 0 to change, [1-9]\d* to remove/m,
    );
    assert.match(run.stdout, /^Stack dev \(docker target\): 0 to add, 0 to change, 0 to remove/m);
  });

  it("exits 2 and names the stack and the problem when the working tree does not render", () => {
    edited(copy, "Pulumi.dev.yaml", "    port: 8080\n    replicas: 2\n", "    port: 8080\n    replicas: -1\n");
    const run = runToolInThread(copy, "diff", ["--stack", "dev", "--exit-code"]);
    assert.strictEqual(run.status, 2, run.stdout);
    assert.match(run.stdout, /^Stack dev: could not be compared$/m);
    assert.match(run.stdout, /rendering the working tree failed/);
    assert.match(run.stdout, /ml-platform:serving\.replicas: must be at least 1/);
    assert.match(run.stderr, /diff of dev failed:[\s\S]*ml-platform:serving\.replicas: must be at least 1/);
  });

  it("exits 2 with a clear message for an unknown base or a base without the offline render", () => {
    const unknown = runToolInThread(copy, "diff", ["--base", "no-such-ref"]);
    assert.strictEqual(unknown.status, 2);
    assert.match(unknown.stderr, /unknown git ref "no-such-ref"/);

    const commit = commitLikeHead("no render", (git) => git(["rm", "-r", "--cached", "--quiet", "tools/render"]));

    const old = runToolInThread(copy, "diff", ["--base", commit]);
    assert.strictEqual(old.status, 2, old.stdout);
    assert.match(old.stderr, /has no offline render \(tools\/render\/cli\.ts\)/);
  });

  it("still shows the working tree when the base does not render, everything added, with a note", () => {
    const broken = copy
      .read("Pulumi.dev.yaml")
      .replace("    port: 8080\n    replicas: 2\n", "    port: 8080\n    replicas: -1\n");
    const commit = commitWith("Pulumi.dev.yaml", broken);

    const run = runToolInThread(copy, "diff", ["--base", commit, "--stack", "dev"]);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Stack dev \(docker target\): [1-9]\d* to add, 0 to change, 0 to remove, 0 unchanged$/m);
    assert.match(run.stdout, /The base does not render this stack, so every resource shows as added/);
    assert.match(
      run.stderr,
      /rendering dev at the base failed: .*\n(.*\n)*.*ml-platform:serving\.replicas: must be at least 1/,
    );
  });

  it("renders a base with a file that does not compile without that file, and says where it broke", () => {
    const source = copy.read("tools/bench.ts");
    const commit = commitWith("tools/bench.ts", `${source}const = 1;\n`);
    const brokenLine = source.split("\n").length;

    const run = runToolInThread(copy, "diff", ["--base", commit, "--stack", "dev"]);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /^Stack dev \(docker target\): 0 to add, 0 to change, 0 to remove, [1-9]\d* unchanged$/m);
    assert.match(run.stdout, /some files of the base did not compile; it was rendered without them/);
    assert.match(run.stderr, new RegExp(`Compiling the base:\\ntools/bench\\.ts:${brokenLine}:7: Expected identifier`));
  });

  it("takes the working tree for the base only when it holds exactly the base's files", () => {
    const head = copy.git(["rev-parse", "HEAD"]);
    assert.strictEqual(workingTreeIsCommit(copy.dir, head), true, "a clean checkout of the base");
    const other = commitWith("Pulumi.dev.yaml", `${copy.read("Pulumi.dev.yaml")}# another line\n`);
    assert.strictEqual(workingTreeIsCommit(copy.dir, other), false, "a base with another stack file");
    edited(copy, "Pulumi.dev.yaml", "    replicas: 2\n", "    replicas: 3\n");
    assert.strictEqual(workingTreeIsCommit(copy.dir, head), false, "a changed stack file");
    copy.git(["checkout", "--quiet", "--", "."]);
    copy.write("Pulumi.qa.yaml", copy.read("Pulumi.dev.yaml"));
    assert.strictEqual(workingTreeIsCommit(copy.dir, head), false, "an untracked stack file");
  });

  it("keys a base's transpiled code by its TypeScript files, not by its stack files", () => {
    const head = copy.git(["rev-parse", "HEAD"]);
    const stackOnly = commitWith("Pulumi.dev.yaml", `${copy.read("Pulumi.dev.yaml")}# another line\n`);
    const codeChange = commitWith("index.ts", `${copy.read("index.ts")}// another line\n`);
    assert.strictEqual(codeKey(copy.dir, stackOnly, ""), codeKey(copy.dir, head, ""));
    assert.notStrictEqual(codeKey(copy.dir, codeChange, ""), codeKey(copy.dir, head, ""));
  });

  it("rejects unknown options with the usage and status 2", () => {
    const run = copy.tool("diff", ["--colour"]);
    assert.strictEqual(run.status, 2);
    assert.match(run.stderr, /usage: npm run diff/);
  });
});
