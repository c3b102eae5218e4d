import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runToolInThread } from "../support/in-thread-tool";
import { copyProject, ProjectCopy } from "../support/project-copy";

function imageIn(text: string, key: string): string {
  return (parse(text) as { config: Record<string, Record<string, string>> }).config["ml-platform:images"][key];
}

/** Sets an image in a copy's stack file by rewriting its "    key: value" line. */
function setImage(copy: ProjectCopy, stack: string, key: string, reference: string): void {
  const file = `Pulumi.${stack}.yaml`;
  const text = copy.read(file);
  const line = `    ${key}: ${imageIn(text, key)}\n`;
  assert.ok(text.includes(line), `${file} has no line "${line.trim()}"`);
  copy.write(file, text.replace(line, `    ${key}: ${reference}\n`));
}

describe("npm run promote (on a scratch copy of the project with a stub target)", function () {
  this.timeout(120000);
  let copy: ProjectCopy;
  let originals: Map<string, string>;

  before(() => {
    copy = copyProject({ git: false });
    originals = new Map(["dev", "prod"].map((stack) => [stack, copy.read(`Pulumi.${stack}.yaml`)]));
  });
  after(() => copy?.remove());
  afterEach(() => {
    for (const [stack, text] of originals) copy.write(`Pulumi.${stack}.yaml`, text);
  });

  it("--dry-run shows the image change and its effect on prod's render, and writes nothing", () => {
    setImage(copy, "dev", "serving", "python:3.12.13-slim-bookworm");
    const prodFile = path.join(copy.dir, "Pulumi.prod.yaml");
    const before = fs.statSync(prodFile).mtimeMs;
    const run = copy.tool("promote", ["--from", "dev", "--to", "prod", "--dry-run"]);
    assert.strictEqual(run.status, 0, run.stderr);
    const previous = imageIn(originals.get("prod") as string, "serving");
    assert.ok(
      run.stdout.includes(`  ml-platform:images.serving: ${previous} → python:3.12.13-slim-bookworm\n`),
      run.stdout,
    );
    assert.ok(run.stdout.includes("Dry run: Pulumi.prod.yaml was not changed."), run.stdout);
    // The stub keeps one resource per serving replica holding the image; prod has at least one.
    const effect = `~ RandomString ml-platform-model-serving-replica-0\n    keepers.image: "${previous}" → "python:3.12.13-slim-bookworm"\n`;
    assert.ok(run.stdout.includes(effect), run.stdout);
    assert.strictEqual(copy.read("Pulumi.prod.yaml"), originals.get("prod"), "--dry-run changed Pulumi.prod.yaml");
    assert.strictEqual(fs.statSync(prodFile).mtimeMs, before, "--dry-run rewrote Pulumi.prod.yaml");
  });

  it("writes only the promoted line, and has nothing to do the second time", () => {
    setImage(copy, "dev", "serving", "python:3.12.13-slim-bookworm");
    const run = runToolInThread(copy, "promote", ["--from", "dev", "--to", "prod"]);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.ok(run.stdout.includes("Wrote Pulumi.prod.yaml."), run.stdout);
    const previous = imageIn(originals.get("prod") as string, "serving");
    const expected = (originals.get("prod") as string).replace(
      `    serving: ${previous}\n`,
      "    serving: python:3.12.13-slim-bookworm\n",
    );
    assert.strictEqual(copy.read("Pulumi.prod.yaml"), expected);

    const again = runToolInThread(copy, "promote", ["--from", "dev", "--to", "prod"]);
    assert.strictEqual(again.status, 0, again.stderr);
    assert.ok(again.stdout.includes("nothing to promote: prod already runs dev's images"), again.stdout);
  });

  it("refuses latest with status 1, naming the key, and leaves prod alone", () => {
    setImage(copy, "dev", "training", "python:latest");
    const run = runToolInThread(copy, "promote", ["--from", "dev", "--to", "prod"]);
    assert.strictEqual(run.status, 1, run.stdout);
    assert.match(
      run.stderr,
      /Refusing to promote:\n {2}- ml-platform:images\.training in Pulumi\.dev\.yaml: "python:latest" uses the moving tag "latest"/,
    );
    assert.strictEqual(copy.read("Pulumi.prod.yaml"), originals.get("prod"));
  });

  it("writes a pull-request body with --format markdown", () => {
    setImage(copy, "dev", "serving", "python:3.12.13-slim-bookworm");
    const run = runToolInThread(copy, "promote", [
      "--from",
      "dev",
      "--to",
      "prod",
      "--dry-run",
      "--format",
      "markdown",
    ]);
    assert.strictEqual(run.status, 0, run.stderr);
    assert.ok(run.stdout.startsWith("## Promote `dev` → `prod`\n"), run.stdout.slice(0, 200));
    assert.ok(run.stdout.includes("| `ml-platform:images.serving` |"), run.stdout);
    assert.ok(run.stdout.includes("```diff\n"), run.stdout);
  });

  it("rejects a missing --to, the same stack twice and unknown options with status 2", () => {
    for (const args of [
      ["--from", "dev"],
      ["--from", "dev", "--to", "dev"],
      ["--from", "dev", "--to", "prod", "--force"],
    ]) {
      const run = runToolInThread(copy, "promote", args);
      assert.strictEqual(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, /usage: npm run promote/, args.join(" "));
    }
  });
});
