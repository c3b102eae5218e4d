/**
 * Builds Go programs from a committed wrapper module into the suite's cache.
 *
 * No prebuilt binary can be downloaded on the project's machines, so the tools the suite needs beyond Debian's
 * packages (Docker Compose, Kubernetes, etcd, ...) are compiled from the Go module proxy. Each tool has a wrapper
 * module under tests/real/toolchains/<name>/: a go.mod/go.sum that pins the program and every module it builds from,
 * usually with no code of its own (a `tool` directive names the main package). This helper turns such a wrapper into
 * binaries, once per machine.
 *
 * API (kept stable; other set-up modules depend on it):
 *
 *   ensureGoTool(recipe: GoToolRecipe, log: Log): Promise<GoToolInstall>
 *
 *   recipe.name         folder name under the cache: $CACHE/tools/<name>/<version>-<key>/
 *   recipe.module       the module the wrapper pins, e.g. "k8s.io/kubernetes"
 *   recipe.version      its version, e.g. "v1.36.3"; refused unless the wrapper's go.mod requires exactly that
 *   recipe.wrapperDir   the wrapper module, relative to the repository root
 *   recipe.packages     [{ pkg, output }]: each main package and the file name its binary gets
 *   recipe.ldflags      -ldflags words, e.g. ["-s", "-w", "-X", "pkg.var=value"] (joined with spaces)
 *   recipe.cgo          true to link against C (default false: static binaries)
 *   recipe.tags         optional build tags (-tags), e.g. ["osusergo"]
 *   recipe.prepare      optional async (buildDir, env, log) hook for wrappers with files that must not be committed
 *                       (generated from the modules they build, e.g. embedded data): when present, the wrapper
 *                       (less its *.md files) is copied to a temporary folder, the hook writes its files there with
 *                       the build's go environment `env` (it may run `go mod download` / `go list -m` in buildDir),
 *                       and the build runs there; the folder is removed afterwards. The hook runs on every call, warm
 *                       ones too, because what it wrote is part of the key
 *   recipe.expectVersion optional { output, args, contains, env }: after a build, and before reusing a cached one,
 *                       runs binaries[output] with args (and env added to the environment) and requires `contains`
 *                       in what it prints
 *
 *   result.dir          the folder holding the binaries
 *   result.binaries     output name -> absolute path
 *   result.built        true when this call compiled them, false when the cached ones were reused
 *   result.seconds      wall-clock seconds this call took
 *
 * The key hashes go.mod, go.sum, the recipe and the Go release (with a prepare hook: every file of the prepared build
 * folder instead of go.mod and go.sum alone), so a changed pin, flag, generated file or compiler never reuses an old
 * binary. Go's own caches live in $CACHE/go/mod and $CACHE/go/build, so nothing is written into the checkout, and a
 * second tool that shares modules with a first one compiles only what is new. The binaries are built into a staging
 * folder that is renamed into place when all of them exist (cache.ts `ensureCached`), so an interrupted build leaves
 * nothing a later run would trust.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cacheDir, cacheRoot, contentKey, ensureCached, treeKey } from "./cache";
import { repoRoot } from "./repo-paths";
import { Log, run } from "./run";

export interface GoPackage {
  /** The main package's import path, e.g. "k8s.io/kubernetes/cmd/kubelet". */
  pkg: string;
  /** The binary's file name in the install folder. */
  output: string;
}

export interface VersionExpectation {
  /** Which output to run. */
  output: string;
  args: string[];
  /** A string its standard output or error must contain, e.g. "v1.36.3". */
  contains: string;
  /** Variables added to the environment it runs with, e.g. to keep a CLI off the network. */
  env?: Record<string, string>;
}

export interface GoToolRecipe {
  name: string;
  module: string;
  version: string;
  wrapperDir: string;
  packages: GoPackage[];
  ldflags?: string[];
  cgo?: boolean;
  tags?: string[];
  expectVersion?: VersionExpectation;
  /**
   * Writes files the build needs into `buildDir`, a temporary copy of the wrapper, with the build's go environment.
   * Everything it leaves there is hashed into the key.
   */
  prepare?: (buildDir: string, env: NodeJS.ProcessEnv, log: Log) => Promise<void>;
}

export interface GoToolInstall {
  dir: string;
  binaries: Record<string, string>;
  built: boolean;
  seconds: number;
}

/** Returns the recipe's binaries, compiling them on the first call on a machine. */
export async function ensureGoTool(recipe: GoToolRecipe, log: Log): Promise<GoToolInstall> {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;

  const wrapperDir = path.join(repoRoot(), recipe.wrapperDir);
  const goMod = fs.readFileSync(path.join(wrapperDir, "go.mod"), "utf8");
  assertPinnedVersion(recipe, goMod);

  const env = goEnvironment(recipe.cgo === true);
  // A recipe with a prepare hook builds in a temporary copy of the wrapper, so what the hook writes stays out of the
  // checkout; the copy is removed whatever happens.
  const buildDir = recipe.prepare ? fs.mkdtempSync(path.join(os.tmpdir(), `go-build-${recipe.name}-`)) : wrapperDir;
  try {
    if (recipe.prepare) {
      // Documentation stays behind: it is not built, and editing a README must not change the key.
      fs.cpSync(wrapperDir, buildDir, { recursive: true, filter: (source) => !source.endsWith(".md") });
      await recipe.prepare(buildDir, env, log);
    }
    return await buildOrReuse(recipe, buildDir, env, log, elapsed);
  } finally {
    if (buildDir !== wrapperDir) fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

async function buildOrReuse(
  recipe: GoToolRecipe,
  buildDir: string,
  env: NodeJS.ProcessEnv,
  log: Log,
  elapsed: () => number,
): Promise<GoToolInstall> {
  const goRelease = (await run("go", ["env", "GOVERSION"], { env })).stdout.trim();
  const buildArgs = buildArguments(recipe);
  // Without a hook the inputs are go.mod and go.sum (the formula stays as it was, so existing builds stay valid);
  // with one, the whole prepared folder, which holds them too.
  const inputs = recipe.prepare
    ? [`prepared:${treeKey(buildDir)}`]
    : [fs.readFileSync(path.join(buildDir, "go.mod"), "utf8"), fs.readFileSync(path.join(buildDir, "go.sum"), "utf8")];
  const key = contentKey(...inputs, goRelease, JSON.stringify(buildArgs), JSON.stringify(recipe.packages));
  const dir = path.join(cacheDir("tools", recipe.name), `${recipe.version}-${key}`);
  const binaries = Object.fromEntries(recipe.packages.map(({ output }) => [output, path.join(dir, output)]));

  // Warm path: the key already pins the inputs, so only prove the files are still there and still run.
  if (recipe.packages.every(({ output }) => fs.existsSync(binaries[output]))) {
    const problem = await versionProblem(recipe, binaries);
    if (problem === undefined) {
      log(`${recipe.name}: using cached ${dir}`);
      return { dir, binaries, built: false, seconds: elapsed() };
    }
    log(`${recipe.name}: cached build is unusable (${problem}); rebuilding`);
  }
  // A folder without all its binaries (deleted by hand, or a failed version check) is rebuilt from scratch.
  fs.rmSync(dir, { recursive: true, force: true });

  log(`${recipe.name}: building ${recipe.module}@${recipe.version} into ${dir} (first run on this machine)`);
  await ensureCached(dir, async (staging) => {
    for (const { pkg, output } of recipe.packages) {
      const packageStarted = process.hrtime.bigint();
      await run("go", [...buildArgs, "-o", path.join(staging, output), pkg], { cwd: buildDir, env, log });
      const seconds = Number(process.hrtime.bigint() - packageStarted) / 1e9;
      log(`${recipe.name}: built ${output} in ${seconds.toFixed(0)}s`);
    }
    const problem = await versionProblem(
      recipe,
      Object.fromEntries(recipe.packages.map(({ output }) => [output, path.join(staging, output)])),
    );
    if (problem !== undefined) throw new Error(`${recipe.name}: the fresh build is wrong: ${problem}`);
  });
  const seconds = elapsed();
  log(`${recipe.name}: built ${recipe.packages.length} binaries in ${seconds.toFixed(0)}s`);
  return { dir, binaries, built: true, seconds };
}

/**
 * The go environment is spelled out instead of inherited so the build is the same on every machine: -mod=readonly
 * makes a go.sum mismatch an error instead of a silent edit, GOWORK=off ignores any workspace above the checkout,
 * GOTOOLCHAIN=local never fetches another Go, and CGO_ENABLED=0 (unless asked otherwise) gives static binaries.
 */
function goEnvironment(cgo: boolean): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: path.join(cacheRoot(), "go", "mod"),
    GOCACHE: path.join(cacheRoot(), "go", "build"),
    GOFLAGS: "-mod=readonly",
    GOWORK: "off",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: cgo ? "1" : "0",
  };
}

// -trimpath keeps this machine's paths out of the binaries, like upstream release builds.
function buildArguments(recipe: GoToolRecipe): string[] {
  const args = ["build", "-trimpath"];
  if (recipe.tags && recipe.tags.length > 0) args.push("-tags", recipe.tags.join(","));
  if (recipe.ldflags && recipe.ldflags.length > 0) args.push("-ldflags", recipe.ldflags.join(" "));
  return args;
}

// The recipe's version and the go.mod pin are two statements of one fact; a mismatch would stamp the wrong version.
function assertPinnedVersion(recipe: GoToolRecipe, goMod: string): void {
  const escaped = recipe.module.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pin = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(goMod);
  if (!pin || pin[1] !== recipe.version) {
    throw new Error(
      `${recipe.name}: ${recipe.wrapperDir}/go.mod pins ${recipe.module} ${pin ? pin[1] : "(nothing)"}, ` +
        `but the recipe expects ${recipe.version}`,
    );
  }
}

async function versionProblem(recipe: GoToolRecipe, binaries: Record<string, string>): Promise<string | undefined> {
  const expectation = recipe.expectVersion;
  if (!expectation) return undefined;
  const binary = binaries[expectation.output];
  if (binary === undefined) return `no output named ${expectation.output}`;
  try {
    const env = { ...process.env, ...expectation.env };
    const { stdout, stderr } = await run(binary, expectation.args, { env, timeoutSeconds: 30 });
    const printed = `${stdout}${stderr}`;
    if (printed.includes(expectation.contains)) return undefined;
    return `${expectation.output} ${expectation.args.join(" ")} printed "${printed.trim()}", not "${expectation.contains}"`;
  } catch (error) {
    return `${expectation.output} does not run: ${error instanceof Error ? error.message : String(error)}`;
  }
}
