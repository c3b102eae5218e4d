/**
 * The prod platform deployed by a real Pulumi engine, through the command a
 * user runs (`npm run up|destroy -- prod`: tools/automation's runAutomation,
 * with the program inline), against the suite's cluster:
 *
 * - the project folder holds Pulumi.yaml and the suite's Pulumi.prod.yaml, the
 *   state a file backend beside it, the passphrase one generated per run;
 * - the engine is the CLI and the Kubernetes provider plugin built here
 *   (setup/pulumi-engine.ts), in a PULUMI_HOME of the suite's own, never
 *   downloading anything;
 * - the three secret values are supplied (`providedSecrets`, set as a user
 *   sets them, `pulumi config set --secret --path`): the random provider's
 *   plugin cannot be built from the registries the suite may use, so a run
 *   that generated them could not start (summary.ts says exactly why).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { openPlatformStack } from "../../../tools/automation/open-stack";
import { runAutomation } from "../../../tools/automation/run";
import { GENERATED_SECRETS } from "../../../config/generated-secrets";
import { CONFIG_NAMESPACE } from "../../../config/namespace";
import { Cluster } from "../setup/kubernetes/cluster";
import { PulumiEngine, pulumiEnvironment } from "../setup/pulumi-engine";
import { repoRoot } from "../setup/repo-paths";
import { Log, run } from "../setup/run";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** Longer than every generated secret, so every length rule holds. */
const SUPPLIED_SECRET_LENGTH = 64;

/** Letters and digits, as the platform's own generated values are. */
function randomSecret(length: number): string {
  const bytes = crypto.randomBytes(length);
  return Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join("");
}

export class EngineDeploy {
  readonly projectDir: string;
  private readonly stateDir: string;
  private readonly logFile: string;
  private readonly passphrase = randomSecret(40);
  /** secret.key -> the value supplied for it, to look for where it must never be. */
  private readonly supplied: Record<string, string> = {};

  constructor(
    private readonly engine: PulumiEngine,
    private readonly cluster: Cluster,
    private readonly stack: string,
    /** The run's folder for the engine: project/, state/ and pulumi.log. */
    dir: string,
    private readonly log: Log,
  ) {
    this.projectDir = path.join(dir, "project");
    this.stateDir = path.join(dir, "state");
    this.logFile = path.join(dir, "pulumi.log");
  }

  /** What every CLI call and the Automation API see: the private home, the file backend, the passphrase. */
  private environment(): NodeJS.ProcessEnv {
    return {
      ...pulumiEnvironment(this.engine.home),
      PULUMI_BACKEND_URL: `file://${this.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: this.passphrase,
    };
  }

  private cli(args: string[], input?: string): Promise<{ stdout: string }> {
    return run(this.engine.pulumi, [...args, "--non-interactive"], {
      cwd: this.projectDir,
      env: this.environment(),
      input,
      timeoutSeconds: 120,
    });
  }

  /**
   * Writes the project (Pulumi.yaml and the stack file, pointed at the suite's cluster), creates the stack and
   * supplies its secrets. Returns the Prefect login, as `pulumi stack output` will show it.
   */
  async create(config: Record<string, unknown>): Promise<{ prefectPassword: string }> {
    fs.mkdirSync(this.projectDir, { recursive: true });
    fs.mkdirSync(this.stateDir, { recursive: true });
    fs.copyFileSync(path.join(repoRoot(), "Pulumi.yaml"), path.join(this.projectDir, "Pulumi.yaml"));
    const kubernetesKey = `${CONFIG_NAMESPACE}:kubernetes`;
    const kubernetes = (config[kubernetesKey] ?? {}) as Record<string, unknown>;
    const stackConfig = {
      ...config,
      [kubernetesKey]: {
        ...kubernetes,
        kubeconfigPath: this.cluster.kubeconfig,
        context: this.cluster.context,
      },
    };
    fs.writeFileSync(path.join(this.projectDir, `Pulumi.${this.stack}.yaml`), stringify({ config: stackConfig }));
    await this.cli(["stack", "init", this.stack]);

    const supplied = this.supplied;
    for (const [secret, keys] of Object.entries(GENERATED_SECRETS)) {
      for (const key of Object.keys(keys)) {
        const value = randomSecret(SUPPLIED_SECRET_LENGTH);
        supplied[`${secret}.${key}`] = value;
        // The value goes in on standard input, as a user pastes it, never on a command line.
        await this.cli(
          ["config", "set", "--secret", "--path", `${CONFIG_NAMESPACE}:providedSecrets.${secret}.${key}`],
          value,
        );
      }
    }
    const leaked = this.secretsInPlainText();
    if (leaked.length > 0) throw new Error(`supplied secrets in plain text: ${leaked.join(", ")}`);
    return { prefectPassword: supplied["prefect-auth.password"] };
  }

  /**
   * The supplied secrets found in plain text where they must never be: the project's files (the stack file holds
   * them encrypted), the state backend's files (the state holds them, and everything made from them, encrypted),
   * and every line the engine printed.
   */
  secretsInPlainText(): string[] {
    const files = [this.projectDir, this.stateDir].flatMap((dir) =>
      fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name)),
    );
    if (fs.existsSync(this.logFile)) files.push(this.logFile);
    return files.flatMap((file) => {
      const text = fs.readFileSync(file, "utf8");
      return Object.entries(this.supplied)
        .filter(([, value]) => text.includes(value))
        .map(([key]) => `${key} in ${path.relative(path.dirname(this.projectDir), file)}`);
    });
  }

  /** Changes one setting as a user does (`pulumi config set --path`). */
  async set(settingPath: string, value: string): Promise<void> {
    await this.cli(["config", "set", "--path", `${CONFIG_NAMESPACE}:${settingPath}`, value]);
  }

  /** `npm run <verb> -- prod ...`, in this process, with the engine's environment; throws with the output's tail. */
  async command(argv: string[]): Promise<{ seconds: number; output: string }> {
    const started = Date.now();
    let output = "";
    const append = (text: string): void => {
      output += text;
      fs.appendFileSync(this.logFile, text);
    };
    fs.appendFileSync(this.logFile, `\n$ npm run ${argv[0]} -- ${argv.slice(1).join(" ")}\n`);
    const status = await runAutomation(argv, {
      env: this.environment(),
      projectDir: this.projectDir,
      locateCli: () => path.join(this.engine.home, "bin", "pulumi"),
      openStack: openPlatformStack,
      stdout: append,
      stderr: append,
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    if (status !== 0) {
      throw new Error(`npm run ${argv.join(" ")} exited ${status} after ${seconds}s:\n${output.slice(-3000)}`);
    }
    this.log(`npm run ${argv[0]} -- ${argv.slice(1).join(" ")}: done in ${seconds}s (output in ${this.logFile})`);
    return { seconds, output };
  }

  /** `npm run up -- <stack>`; its seconds. */
  async up(): Promise<number> {
    return (await this.command(["up", this.stack])).seconds;
  }

  /** `npm run preview -- <stack>` (with the property diff); what it printed. */
  async preview(): Promise<string> {
    return (await this.command(["preview", this.stack])).output;
  }

  async destroyKeepingStorage(): Promise<number> {
    return (await this.command(["destroy", this.stack, "--yes", "--exclude-protected"])).seconds;
  }

  /** A stack output as `pulumi stack output --show-secrets` prints it. */
  async output(name: string): Promise<string> {
    return (await this.cli(["stack", "output", name, "--show-secrets"])).stdout.trim();
  }

  /** The resources the engine's state holds, by type: what `pulumi stack export` reports. */
  async resourceTypes(): Promise<string[]> {
    const exported = JSON.parse((await this.cli(["stack", "export"])).stdout) as {
      deployment?: { resources?: { type: string }[] };
    };
    return (exported.deployment?.resources ?? []).map((resource) => resource.type);
  }
}
