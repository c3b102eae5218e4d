import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { projectRoot } from "../../platform/project-root";
import { COMMENT_MARKER } from "../../tools/diff/format-markdown";

const WORKFLOWS = path.join(projectRoot(), ".github", "workflows");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

interface Job {
  if?: string;
  uses?: string;
  permissions?: Record<string, string>;
  environment?: string;
  steps?: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

function read(file: string): string {
  return fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
}

function load(file: string): Workflow {
  return parse(read(file)) as Workflow;
}

function allFiles(): string[] {
  return fs.readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));
}

function errorsOf(text: string): string {
  return JSON.stringify(validateWorkflow(text).errors, null, 2);
}

/** Secrets a job reads, other than the token GitHub hands every run. */
function secretsRead(job: Job): string[] {
  return [...JSON.stringify(job).matchAll(/secrets\.([A-Z_]+)/g)]
    .map((match) => match[1])
    .filter((name) => name !== "GITHUB_TOKEN");
}

const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";

describe(".github/workflows", () => {
  it("has the workflows the project relies on", () => {
    assert.deepStrictEqual(allFiles().sort(), [
      "deploy-dev.yml",
      "pr-comment.yml",
      "promote.yml",
      "pull-request.yml",
      "pulumi-credentials.yml",
    ]);
  });

  for (const file of allFiles()) {
    it(`${file} is a valid workflow (@action-validator/core)`, () => {
      const result = validateWorkflow(read(file));
      assert.strictEqual(result.actionType, "workflow");
      assert.deepStrictEqual(result.errors, [], `${file}: ${errorsOf(read(file))}`);
    });

    it(`${file} pins every action to a commit SHA or a full version`, () => {
      for (const [name, job] of Object.entries(load(file).jobs)) {
        for (const uses of [job.uses, ...(job.steps ?? []).map((step) => step.uses)]) {
          if (uses === undefined || uses.startsWith("./")) continue;
          const ref = uses.split("@")[1] ?? "";
          assert.match(ref, /^([0-9a-f]{40}|v\d+\.\d+\.\d+)$/, `${file} job ${name}: "${uses}" is not pinned`);
        }
      }
    });
  }

  it("the validator catches broken workflows (so the checks above can fail)", () => {
    const valid = read("pull-request.yml");
    const misspelledKey = valid.replace("    runs-on: ubuntu-24.04\n", "    run-on: ubuntu-24.04\n");
    assert.notStrictEqual(misspelledKey, valid, "the fixture edit did not apply");
    assert.notDeepStrictEqual(validateWorkflow(misspelledKey).errors, [], "a job without runs-on passed");
    const unknownEvent = valid.replace("  pull_request:\n", "  pull_requests:\n");
    assert.notDeepStrictEqual(validateWorkflow(unknownEvent).errors, [], "an unknown event passed");
    const badPermission = valid.replace("permissions:\n  contents: read\n", "permissions:\n  contents: maybe\n");
    assert.notDeepStrictEqual(validateWorkflow(badPermission).errors, [], "an invalid permission passed");
  });

  describe("pull requests (forks included)", () => {
    const workflow = load("pull-request.yml");

    it("runs on pull_request, never pull_request_target, with a read-only token by default", () => {
      for (const file of allFiles())
        assert.ok(!("pull_request_target" in load(file).on), `${file} uses pull_request_target`);
      assert.ok("pull_request" in workflow.on);
      assert.deepStrictEqual(workflow.permissions, { contents: "read" });
      assert.deepStrictEqual(workflow.jobs.check.permissions, { contents: "read" });
    });

    it("installs from the lockfile, type-checks and tests (npm test, once), and uploads the offline diff", () => {
      const runs = (workflow.jobs.check.steps ?? []).map((step) => step.run ?? step.uses ?? "");
      const position = (pattern: RegExp) => runs.findIndex((run) => pattern.test(run));
      // npm test type-checks (tsc, beside the tests, failing npm test on a type error); a second tsc would only repeat it.
      const testScript = (
        JSON.parse(fs.readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts.test;
      assert.match(testScript, /"node tools\/build\.mjs --check"/, "npm test no longer type-checks with tsc");
      assert.match(
        testScript,
        /node tools\/build\.mjs --transpile && mocha/,
        "npm test no longer compiles before mocha",
      );
      assert.ok(!runs.some((run) => /\btsc\b/.test(run)), `the type-check runs twice: ${runs.join(" | ")}`);
      const order = [/^npm ci$/, /^npm test$/, /npm run -s diff --.*--format markdown/s, /actions\/upload-artifact@/];
      const positions = order.map(position);
      assert.ok(
        positions.every((at, index) => at >= 0 && (index === 0 || at > positions[index - 1])),
        `steps out of order or missing: ${runs.join(" | ")}`,
      );
      assert.ok(
        runs.some((run) => run.includes("GITHUB_STEP_SUMMARY")),
        "the diff is not in the step summary",
      );
    });

    it("hands secrets only to jobs that cannot run fork code", () => {
      for (const [name, job] of Object.entries(workflow.jobs)) {
        if (secretsRead(job).length === 0) continue;
        assert.ok(
          job.if?.includes(SAME_REPOSITORY),
          `job ${name} reads ${secretsRead(job).join(", ")} without the same-repository guard`,
        );
      }
      assert.deepStrictEqual(
        secretsRead(workflow.jobs.check),
        [],
        "the job that runs the pull request's code reads secrets",
      );
    });

    it("previews each stack with pulumi/actions, commenting on the pull request and editing that comment", () => {
      const job = workflow.jobs["pulumi-preview"];
      assert.strictEqual(job.permissions?.["pull-requests"], "write");
      const preview = (job.steps ?? []).find((step) => step.uses?.startsWith("pulumi/actions@"));
      assert.ok(preview, "no pulumi/actions step");
      assert.strictEqual(preview.with?.command, "preview");
      assert.strictEqual(preview.with?.diff, true);
      assert.strictEqual(preview.with?.["comment-on-pr"], true);
      assert.strictEqual(preview.with?.["edit-pr-comment"], true);
    });
  });

  describe("the sticky comment", () => {
    const workflow = load("pr-comment.yml");

    it("is posted from workflow_run, which never checks out or runs pull-request code", () => {
      assert.ok("workflow_run" in workflow.on);
      for (const [name, job] of Object.entries(workflow.jobs)) {
        for (const step of job.steps ?? []) {
          assert.ok(!step.uses?.startsWith("actions/checkout@"), `job ${name} checks out code`);
          assert.ok(!/\bnpm\b|\bnode\b/.test(step.run ?? ""), `job ${name} runs project code: ${step.run}`);
        }
      }
      assert.deepStrictEqual(workflow.permissions, {});
    });

    it("finds its previous comment by the marker the diff writes", () => {
      const script = String(
        (workflow.jobs.comment.steps ?? []).find((step) => step.uses?.startsWith("actions/github-script@"))?.with
          ?.script,
      );
      assert.ok(script.includes(`const marker = "${COMMENT_MARKER}";`), script);
      assert.ok(script.includes("updateComment") && script.includes("createComment"), "it does not update in place");
    });
  });

  it("deploys dev with npm run up on every push to main", () => {
    const workflow = load("deploy-dev.yml");
    assert.deepStrictEqual((workflow.on.push as { branches: string[] }).branches, ["main"]);
    const runs = (workflow.jobs.up.steps ?? []).map((step) => step.run);
    assert.ok(runs.includes("npm run up -- dev"), runs.join(" | "));
  });

  it("promotes by pull request or, after approval in the production environment, by deploying", () => {
    const workflow = load("promote.yml");
    const dispatch = workflow.on.workflow_dispatch as { inputs: Record<string, { options?: string[] }> };
    assert.deepStrictEqual(dispatch.inputs.mode.options, ["pull-request", "deploy"]);
    assert.strictEqual(workflow.jobs.deploy.environment, "production");
    const deployRuns = (workflow.jobs.deploy.steps ?? []).map((step) => step.run ?? "");
    assert.ok(
      deployRuns.some((run) => run.startsWith("npm run -s promote -- --from")),
      deployRuns.join(" | "),
    );
    assert.ok(deployRuns.includes('npm run up -- "$TO"'), deployRuns.join(" | "));
    const prRuns = (workflow.jobs["pull-request"].steps ?? []).map((step) => step.run ?? "").join("\n");
    assert.match(prRuns, /gh pr create/);
  });
});
