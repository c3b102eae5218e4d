/**
 * The Pulumi engine for the real-runtime suite: the Pulumi CLI and the Pulumi Kubernetes provider, both compiled from
 * the Go module proxy through go-build.ts (no prebuilt Pulumi release can be downloaded on the project's machines).
 *
 *   ensurePulumiEngine(log)  builds (first run on a machine) or reuses both binaries, and proves they run:
 *                            `pulumi version` must print PULUMI_VERSION, and `pulumi package info <provider binary>`
 *                            (which starts the provider and reads its schema over gRPC) must report "kubernetes" at
 *                            KUBERNETES_PROVIDER_VERSION. The provider has no version flag of its own. Then it
 *                            prepares the suite's PULUMI_HOME once per run: the provider becomes its plugin, as
 *                            `pulumi plugin install resource kubernetes v4.25.0 --file <binary>` (skipped when the
 *                            plugin already holds the same binary), and <home>/bin/pulumi is the CLI, where the
 *                            Automation API looks for it.
 *   pulumiEnvironment(pulumiHome)
 *                            the variables every `pulumi` call of the suite needs: the private PULUMI_HOME, no update
 *                            check (it would contact the Pulumi Cloud) and no automatic plugin downloads.
 *
 * The wrappers are tests/real/toolchains/pulumi (the CLI, named by a `tool` directive) and
 * tests/real/toolchains/pulumi-kubernetes (a main package of its own: upstream's embeds two generated files that are
 * not in its module, see that README). This module's prepare hook generates those files into a temporary copy of the
 * wrapper, never into the checkout.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cacheRoot } from "./cache";
import { ensureGoTool, GoToolInstall } from "./go-build";
import { Log, run } from "./run";

/** The Pulumi CLI release: module github.com/pulumi/pulumi/pkg/v3 at this version. */
export const PULUMI_VERSION = "v3.274.1";
/** The Pulumi Kubernetes provider release, as plugins are named (`resource-kubernetes-v4.25.0`). */
export const KUBERNETES_PROVIDER_VERSION = "v4.25.0";
/**
 * The provider module's version for that release. Its tags (`v4.25.0`) name the repository's root, not the provider/
 * folder where the module lives, so the proxy knows release v4.25.0's commit only as this pseudo-version.
 */
export const KUBERNETES_PROVIDER_MODULE_VERSION = "v4.0.0-20260115033456-f47bc2d6f199";

const PULUMI_MODULE = "github.com/pulumi/pulumi/pkg/v3";
const PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";
/** Where upstream keeps the committed schema.json and terraform-mapping.json that its generate.go reads. */
const PROVIDER_COMMAND_DIR = path.join("cmd", "pulumi-resource-kubernetes");
const PROVIDER_BINARY = "pulumi-resource-kubernetes";

export interface PulumiEngine {
  /** Absolute path of the `pulumi` CLI. */
  pulumi: string;
  /** Absolute path of `pulumi-resource-kubernetes`. */
  kubernetesProvider: string;
  /** The PULUMI_HOME every deploy of the run uses: the provider installed as a plugin, bin/pulumi the CLI. */
  home: string;
  /** What `pulumi version` printed, e.g. "v3.274.1". */
  pulumiVersion: string;
  /** The version the provider's schema reports, e.g. "4.25.0". */
  kubernetesProviderVersion: string;
  /** Seconds spent compiling in this call (0 when both came from the cache). */
  buildSeconds: number;
  /** Wall-clock seconds of each ensureGoTool call, built or reused. */
  pulumiSeconds: number;
  kubernetesProviderSeconds: number;
}

/** The environment for running `pulumi` with a given PULUMI_HOME, kept off the network. */
export function pulumiEnvironment(pulumiHome: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PULUMI_HOME: pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}

/** Returns the Pulumi CLI and the Kubernetes provider, compiling them on the first call on a machine. */
export async function ensurePulumiEngine(log: Log): Promise<PulumiEngine> {
  // `pulumi version` writes a log under PULUMI_HOME; the checks get a home of their own, never the user's ~/.pulumi.
  const checkHome = path.join(cacheRoot(), "pulumi", "version-check-home");
  fs.mkdirSync(checkHome, { recursive: true });
  const cli = await ensureGoTool(
    {
      name: "pulumi",
      module: PULUMI_MODULE,
      version: PULUMI_VERSION,
      wrapperDir: path.join("tests", "real", "toolchains", "pulumi"),
      packages: [{ pkg: `${PULUMI_MODULE}/cmd/pulumi`, output: "pulumi" }],
      // As upstream's .goreleaser.yml: without the -X, `pulumi version` prints nothing.
      ldflags: ["-w", "-s", "-X", `github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}`],
      tags: ["osusergo", "grpcnotrace"],
      expectVersion: {
        output: "pulumi",
        args: ["version"],
        contains: PULUMI_VERSION,
        env: { PULUMI_HOME: checkHome, PULUMI_SKIP_UPDATE_CHECK: "true" },
      },
    },
    log,
  );
  const provider = await ensureGoTool(
    {
      name: "pulumi-kubernetes",
      module: PROVIDER_MODULE,
      version: KUBERNETES_PROVIDER_MODULE_VERSION,
      wrapperDir: path.join("tests", "real", "toolchains", "pulumi-kubernetes"),
      packages: [{ pkg: "ml-platform/toolchains/pulumi-kubernetes", output: PROVIDER_BINARY }],
      // As upstream's .goreleaser.yml, which stamps the git tag (with its "v"); the schema gets the bare version.
      ldflags: ["-s", "-w", "-X", `${PROVIDER_MODULE}/pkg/version.Version=${KUBERNETES_PROVIDER_VERSION}`],
      prepare: writeProviderEmbeds,
    },
    log,
  );
  const pulumi = cli.binaries.pulumi;
  const kubernetesProvider = provider.binaries[PROVIDER_BINARY];
  const pulumiVersion = (
    await run(pulumi, ["version"], { env: pulumiEnvironment(checkHome), timeoutSeconds: 30 })
  ).stdout.trim();
  const kubernetesProviderVersion = await providerVersion(pulumi, kubernetesProvider, checkHome);
  if (kubernetesProviderVersion !== bare(KUBERNETES_PROVIDER_VERSION)) {
    throw new Error(
      `${kubernetesProvider} reports version ${kubernetesProviderVersion}, not ${bare(KUBERNETES_PROVIDER_VERSION)}`,
    );
  }
  // Shared between runs, so the provider is installed once per machine and build.
  const home = path.join(cacheRoot(), "pulumi", "home");
  await installKubernetesProvider(pulumi, kubernetesProvider, home, log);
  linkCli(pulumi, home);
  return {
    pulumi,
    kubernetesProvider,
    home,
    pulumiVersion,
    kubernetesProviderVersion,
    buildSeconds: builtSeconds(cli) + builtSeconds(provider),
    pulumiSeconds: cli.seconds,
    kubernetesProviderSeconds: provider.seconds,
  };
}

/**
 * Installs the provider into `pulumiHome` as plugin resource-kubernetes-v4.25.0. Nothing happens when that plugin
 * already holds the same binary; a different one (another build) is replaced.
 */
async function installKubernetesProvider(
  pulumi: string,
  provider: string,
  pulumiHome: string,
  log: Log,
): Promise<void> {
  const pluginDir = path.join(pulumiHome, "plugins", `resource-kubernetes-${KUBERNETES_PROVIDER_VERSION}`);
  const installed = path.join(pluginDir, PROVIDER_BINARY);
  // The CLI leaves a .partial marker beside a plugin whose installation did not finish.
  const complete = !fs.existsSync(`${pluginDir}.partial`);
  if (complete && fs.existsSync(installed) && sameFile(installed, provider)) return;
  fs.mkdirSync(pulumiHome, { recursive: true });
  log(`pulumi: installing the kubernetes provider ${KUBERNETES_PROVIDER_VERSION} into ${pulumiHome}`);
  await run(
    pulumi,
    ["plugin", "install", "resource", "kubernetes", KUBERNETES_PROVIDER_VERSION, "--file", provider, "--reinstall"],
    { env: pulumiEnvironment(pulumiHome), log, timeoutSeconds: 120 },
  );
  if (!fs.existsSync(installed) || !sameFile(installed, provider)) {
    throw new Error(`pulumi plugin install did not put ${provider} at ${installed}`);
  }
}

/** The Automation API runs <home>/bin/pulumi, as the installer lays a home out. */
function linkCli(pulumi: string, pulumiHome: string): void {
  const bin = path.join(pulumiHome, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const link = path.join(bin, "pulumi");
  if (fs.existsSync(link) && fs.realpathSync(link) === fs.realpathSync(pulumi)) return;
  fs.rmSync(link, { force: true });
  fs.symlinkSync(pulumi, link);
}

/**
 * The prepare hook of the provider's recipe: writes the two files the wrapper's main package embeds, as upstream's
 * cmd/pulumi-resource-kubernetes/generate.go does (`VERSION=4.25.0 go generate`): schema-embed.json is the module's
 * schema.json with its top-level "version" set, terraform-mapping-embed.json its terraform-mapping.json, both
 * re-serialised compactly. The module is read from the Go module cache, at the version go.sum pins.
 */
async function writeProviderEmbeds(buildDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  // `go list -m` names the module's folder even before the module is extracted, so download it (verified) first.
  await run("go", ["mod", "download", PROVIDER_MODULE], { cwd: buildDir, env });
  const moduleDir = (
    await run("go", ["list", "-m", "-f", "{{.Dir}}", PROVIDER_MODULE], { cwd: buildDir, env })
  ).stdout.trim();
  const source = path.join(moduleDir, PROVIDER_COMMAND_DIR);
  const schema = JSON.parse(fs.readFileSync(path.join(source, "schema.json"), "utf8")) as Record<string, unknown>;
  schema.version = bare(KUBERNETES_PROVIDER_VERSION);
  fs.writeFileSync(path.join(buildDir, "schema-embed.json"), JSON.stringify(schema));
  const mapping: unknown = JSON.parse(fs.readFileSync(path.join(source, "terraform-mapping.json"), "utf8"));
  fs.writeFileSync(path.join(buildDir, "terraform-mapping-embed.json"), JSON.stringify(mapping));
}

/**
 * The provider has no --version flag, so the CLI starts it and asks for its schema, which proves that the binary runs,
 * serves gRPC and embeds the schema generated for this release. A file state backend keeps the CLI off the network.
 */
async function providerVersion(pulumi: string, provider: string, pulumiHome: string): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-provider-check-"));
  try {
    const env = { ...pulumiEnvironment(pulumiHome), PULUMI_BACKEND_URL: `file://${path.join(work, "state")}` };
    const { stdout } = await run(pulumi, ["package", "info", provider, "--color", "never"], {
      cwd: work,
      env,
      timeoutSeconds: 120,
    });
    const name = /^Name: (\S+)$/m.exec(stdout)?.[1];
    const version = /^Version: (\S+)$/m.exec(stdout)?.[1];
    if (name !== "kubernetes" || version === undefined) {
      throw new Error(`pulumi package info ${provider} printed an unexpected answer:\n${stdout}`);
    }
    return version;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function sameFile(a: string, b: string): boolean {
  const [statA, statB] = [fs.statSync(a), fs.statSync(b)];
  return statA.size === statB.size && fs.readFileSync(a).equals(fs.readFileSync(b));
}

function builtSeconds(install: GoToolInstall): number {
  return install.built ? install.seconds : 0;
}

function bare(version: string): string {
  return version.replace(/^v/, "");
}
