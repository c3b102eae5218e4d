import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import { Environment } from "../../../tools/automation/backend";
import { locatePulumiCli } from "../../../tools/automation/pulumi-cli";
import {
  AutomationDependencies,
  OpenStackRequest,
  runAutomation,
  StackOperations,
  StreamOptions,
} from "../../../tools/automation/run";

const PULUMI_YAML = "name: ml-platform\nruntime: nodejs\n";
const DEV_YAML = "config:\n  ml-platform:target: docker\n  ml-platform:environment: development\n";
const PROD_YAML = "config:\n  ml-platform:target: kubernetes\n  ml-platform:environment: production\n";

interface Harness {
  deps: AutomationDependencies;
  projectDir: string;
  opened: OpenStackRequest[];
  operations: Array<{ verb: string; options: Record<string, unknown> }>;
  stdout(): string;
  stderr(): string;
}

/** A project folder with dev and prod stack files, and fakes for everything outside the command. */
function harness(env: Environment, fakes: { cli?: string; cliMissing?: boolean; failure?: Error } = {}): Harness {
  const projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-automation-"));
  fs.writeFileSync(path.join(projectDir, "Pulumi.yaml"), PULUMI_YAML);
  fs.writeFileSync(path.join(projectDir, "Pulumi.dev.yaml"), DEV_YAML);
  fs.writeFileSync(path.join(projectDir, "Pulumi.prod.yaml"), PROD_YAML);
  const opened: OpenStackRequest[] = [];
  const operations: Harness["operations"] = [];
  let [out, err] = ["", ""];
  const operation =
    (verb: string) =>
    async (options: StreamOptions & { diff?: boolean }): Promise<unknown> => {
      operations.push({ verb, options: { ...options } });
      if (fakes.failure) throw fakes.failure;
      options.onOutput(`${verb} output\n`);
      return {};
    };
  const stack: StackOperations = {
    preview: operation("preview"),
    up: operation("up"),
    refresh: operation("refresh"),
    destroy: operation("destroy"),
  };
  return {
    projectDir,
    opened,
    operations,
    stdout: () => out,
    stderr: () => err,
    deps: {
      env,
      projectDir,
      locateCli: () => (fakes.cliMissing ? undefined : (fakes.cli ?? "/usr/local/bin/pulumi")),
      openStack: async (request) => {
        opened.push(request);
        return stack;
      },
      stdout: (text) => (out += text),
      stderr: (text) => (err += text),
    },
  };
}

describe("tools/automation: npm run up|preview|refresh|destroy -- <stack>", () => {
  describe("argument handling", () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /missing the command/],
      [["deploy", "dev"], /unknown command "deploy"; expected one of up, preview, refresh, destroy/],
      [["up"], /missing the stack to up/],
      [["up", "dev", "prod"], /unexpected argument\(s\): prod/],
      [["preview", "dev", "--force"], /unknown option --force/],
      [["up", "../dev"], /"\.\.\/dev" is not a stack name/],
      [["up", ".."], /"\.\." is not a stack name: \[org\/\[project\/\]\]stack, where a stack name is/],
      [["up", "org/."], /"org\/\." is not a stack name/],
      [["destroy", "dev"], /destroy deletes every resource of stack dev; add --yes to confirm/],
      [["destroy", "dev", "--exclude-protected"], /destroy deletes every resource of stack dev; add --yes to confirm/],
      [["up", "dev", "--exclude-protected"], /--exclude-protected belongs to destroy, not up/],
    ];
    for (const [argv, message] of cases) {
      it(`refuses "${argv.join(" ")}" with the usage and status 2, touching nothing`, async () => {
        const run = harness({});
        assert.strictEqual(await runAutomation(argv, run.deps), 2);
        assert.match(run.stderr(), message);
        assert.match(run.stderr(), /usage: npm run <up\|preview\|refresh\|destroy> -- <stack>/);
        assert.deepStrictEqual(run.opened, []);
      });
    }

    it("names the stacks there are when the stack has no stack file", async () => {
      const run = harness({});
      assert.strictEqual(await runAutomation(["up", "qa"], run.deps), 1);
      assert.match(run.stderr(), /There is no Pulumi\.qa\.yaml; the stacks of this project are: dev, prod\./);
    });
  });

  describe("without the Pulumi CLI", () => {
    it("says how to install it and exits 1 without a stack trace", async () => {
      const run = harness({}, { cliMissing: true });
      assert.strictEqual(await runAutomation(["preview", "dev"], run.deps), 1);
      assert.ok(run.stderr().includes("curl -fsSL https://get.pulumi.com | sh"), run.stderr());
      assert.ok(run.stderr().includes("brew install pulumi/tap/pulumi"), run.stderr());
      assert.doesNotMatch(run.stderr(), /^\s+at /m, "printed a stack trace");
      assert.deepStrictEqual(run.opened, []);
    });

    it("is found on PATH or in ~/.pulumi/bin, and only where it is executable", () => {
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "ml-home-"));
      const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "ml-path-"));
      assert.strictEqual(locatePulumiCli({ PATH: elsewhere, HOME: home }), undefined);
      fs.writeFileSync(path.join(elsewhere, "pulumi"), "#!/bin/sh\n", { mode: 0o644 });
      assert.strictEqual(
        locatePulumiCli({ PATH: elsewhere, HOME: home }),
        undefined,
        "found a file that is not executable",
      );
      fs.mkdirSync(path.join(home, ".pulumi", "bin"), { recursive: true });
      fs.writeFileSync(path.join(home, ".pulumi", "bin", "pulumi"), "#!/bin/sh\n", { mode: 0o755 });
      assert.strictEqual(locatePulumiCli({ PATH: elsewhere, HOME: home }), path.join(home, ".pulumi", "bin", "pulumi"));
      fs.chmodSync(path.join(elsewhere, "pulumi"), 0o755);
      assert.strictEqual(locatePulumiCli({ PATH: elsewhere, HOME: home }), path.join(elsewhere, "pulumi"));
    });
  });

  describe("with the project-local file backend", () => {
    it("previews with --diff against file://<project>/.pulumi-state, creating it, and streams the output", async () => {
      const run = harness({ PULUMI_CONFIG_PASSPHRASE: "correct horse" });
      assert.strictEqual(await runAutomation(["preview", "dev"], run.deps), 0, run.stderr());
      const stateDir = path.join(run.projectDir, ".pulumi-state");
      assert.ok(fs.statSync(stateDir).isDirectory(), "the state folder was not created");
      assert.strictEqual(run.opened.length, 1);
      assert.deepStrictEqual(run.opened[0].envVars, {
        PULUMI_BACKEND_URL: pathToFileURL(stateDir).href,
        PULUMI_CONFIG_PASSPHRASE: "correct horse",
      });
      assert.strictEqual(run.opened[0].stack, "dev");
      assert.strictEqual(run.opened[0].projectDir, run.projectDir);
      assert.deepStrictEqual(
        run.operations.map((operation) => [operation.verb, operation.options.diff]),
        [["preview", true]],
      );
      assert.strictEqual(run.stdout(), "preview output\n");
    });

    it("generates and stores a passphrase for a brand-new development stack, then reuses it", async () => {
      const first = harness({});
      assert.strictEqual(await runAutomation(["up", "dev"], first.deps), 0, first.stderr());
      const stored = path.join(first.projectDir, ".pulumi-state", "dev.passphrase");
      assert.deepStrictEqual(first.opened[0].envVars.PULUMI_CONFIG_PASSPHRASE_FILE, stored);
      assert.strictEqual(fs.statSync(stored).mode & 0o777, 0o600, "the passphrase file is readable by others");
      const passphrase = fs.readFileSync(stored, "utf8");
      assert.ok(passphrase.length >= 32, "the generated passphrase is short");
      assert.match(
        first.stderr(),
        /Generated a passphrase for the new development stack dev and stored it in \.pulumi-state\/dev\.passphrase/,
      );

      const second = harness({});
      second.deps.projectDir = first.projectDir;
      assert.strictEqual(await runAutomation(["up", "dev"], second.deps), 0, second.stderr());
      assert.strictEqual(second.opened[0].envVars.PULUMI_CONFIG_PASSPHRASE_FILE, stored);
      assert.strictEqual(fs.readFileSync(stored, "utf8"), passphrase, "the stored passphrase was replaced");
    });

    for (const [label, stack, setup] of [
      ["a production stack", "prod", () => undefined],
      [
        "a development stack created elsewhere (its file has an encryptionsalt)",
        "dev",
        (dir: string) =>
          fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), `encryptionsalt: v1:abc:v1:def:ghi\n${DEV_YAML}`),
      ],
    ] as Array<[string, string, (dir: string) => void]>) {
      it(`explains how to set a passphrase for ${label} instead of inventing one`, async () => {
        const run = harness({});
        setup(run.projectDir);
        assert.strictEqual(await runAutomation(["up", stack], run.deps), 1);
        assert.match(run.stderr(), /export PULUMI_CONFIG_PASSPHRASE=/);
        assert.match(run.stderr(), /export PULUMI_CONFIG_PASSPHRASE_FILE=/);
        assert.deepStrictEqual(run.opened, []);
        assert.ok(
          !fs.existsSync(path.join(run.projectDir, ".pulumi-state", `${stack}.passphrase`)),
          "a passphrase was generated",
        );
      });
    }

    it("warns in CI that the local backend's state lives only as long as the checkout, and goes on", async () => {
      const run = harness({ CI: "true", PULUMI_CONFIG_PASSPHRASE: "x" });
      assert.strictEqual(await runAutomation(["up", "dev"], run.deps), 0, run.stderr());
      assert.match(
        run.stderr(),
        /CI is set but PULUMI_BACKEND_URL is not, so the stack's state lives in \.pulumi-state\/ of this checkout/,
      );
      assert.strictEqual(
        run.opened[0].envVars.PULUMI_BACKEND_URL,
        pathToFileURL(path.join(run.projectDir, ".pulumi-state")).href,
      );
    });
  });

  describe("with PULUMI_BACKEND_URL", () => {
    it("uses a self-managed backend with the passphrase from the environment", async () => {
      const run = harness({
        PULUMI_BACKEND_URL: "s3://ml-state/platform",
        PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/pass",
      });
      assert.strictEqual(await runAutomation(["refresh", "prod"], run.deps), 0, run.stderr());
      assert.deepStrictEqual(run.opened[0].envVars, {
        PULUMI_BACKEND_URL: "s3://ml-state/platform",
        PULUMI_CONFIG_PASSPHRASE_FILE: "/run/secrets/pass",
      });
      assert.ok(
        !fs.existsSync(path.join(run.projectDir, ".pulumi-state")),
        "created a local state folder it does not use",
      );
    });

    it("needs no passphrase on Pulumi Cloud, and accepts an org-qualified stack name", async () => {
      const run = harness({ PULUMI_BACKEND_URL: "https://api.pulumi.com", PULUMI_ACCESS_TOKEN: "pul-x" });
      assert.strictEqual(await runAutomation(["destroy", "acme/prod", "--yes"], run.deps), 0, run.stderr());
      assert.deepStrictEqual(run.opened[0].envVars, {
        PULUMI_BACKEND_URL: "https://api.pulumi.com",
        PULUMI_ACCESS_TOKEN: "pul-x",
      });
      assert.deepStrictEqual(
        run.operations.map((operation) => operation.verb),
        ["destroy"],
      );
    });
  });

  it("destroys keeping the protected resources only when --exclude-protected is given", async () => {
    const keeping = harness({ PULUMI_CONFIG_PASSPHRASE: "x" });
    assert.strictEqual(await runAutomation(["destroy", "prod", "--yes", "--exclude-protected"], keeping.deps), 0);
    assert.strictEqual(keeping.operations[0].options.excludeProtected, true);
    assert.match(keeping.stderr(), /pulumi destroy --exclude-protected\n/);
    const everything = harness({ PULUMI_CONFIG_PASSPHRASE: "x" });
    assert.strictEqual(await runAutomation(["destroy", "prod", "--yes"], everything.deps), 0);
    assert.strictEqual(everything.operations[0].options.excludeProtected, false);
  });

  it("hands the CLI the Pulumi settings of the environment it was given, and nothing else of it", async () => {
    const run = harness({ PULUMI_CONFIG_PASSPHRASE: "x", PULUMI_HOME: "/srv/pulumi", HOME: "/root", PATH: "/bin" });
    assert.strictEqual(await runAutomation(["up", "dev"], run.deps), 0, run.stderr());
    assert.strictEqual(run.opened[0].envVars.PULUMI_HOME, "/srv/pulumi");
    assert.strictEqual(run.opened[0].envVars.HOME, undefined);
  });

  it("opens the stack under the project's name from Pulumi.yaml", async () => {
    const run = harness({ PULUMI_CONFIG_PASSPHRASE: "x" });
    assert.strictEqual(await runAutomation(["preview", "dev"], run.deps), 0);
    assert.strictEqual(run.opened[0].project, "ml-platform");
  });

  it("reports a failed operation in one line and exits 1", async () => {
    const run = harness({ PULUMI_CONFIG_PASSPHRASE: "x" }, { failure: new Error("the Docker daemon is not running") });
    assert.strictEqual(await runAutomation(["up", "dev"], run.deps), 1);
    assert.match(run.stderr(), /pulumi up of stack dev failed: the Docker daemon is not running\n$/);
  });
});
