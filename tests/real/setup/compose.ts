// Docker Compose v2 for the real-runtime suite.
//
// The suite deploys the rendered compose.yaml onto Docker Engine 20.10 with `docker compose up`, but Debian only ships
// docker-compose 1.29, which predates `depends_on.condition: service_completed_successfully`, `up --wait` and the
// Compose Specification the renderer targets. No prebuilt binary can be downloaded here, so Compose is compiled from
// the Go module proxy using the wrapper module in tests/real/toolchains/compose, whose committed go.mod/go.sum pin
// Compose and every dependency. The result is cached outside the repository, keyed by those two files, so only the
// first run on a machine pays for the build.
//
// How the suite should call it: run the returned `binary` directly (`docker-compose -f compose.yaml up -d --wait`)
// with DOCKER_HOST pointing at the engine under test. That path does not depend on which Docker CLI is installed.
// `linkComposePlugin` exists for the places that must say `docker compose`: it puts the same binary into a private
// DOCKER_CONFIG folder, never into the user's ~/.docker.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The Compose release the wrapper module pins; ensureCompose refuses to run if go.mod says otherwise. */
export const COMPOSE_VERSION = "v2.40.3";

const COMPOSE_MODULE = "github.com/docker/compose/v2";
const COMPOSE_MAIN_PACKAGE = `${COMPOSE_MODULE}/cmd`;
// Upstream's Makefile stamps the release into this variable; without it `docker-compose version` reports "dev".
const COMPOSE_VERSION_VARIABLE = `${COMPOSE_MODULE}/internal.Version`;
const WRAPPER_RELATIVE_PATH = path.join("tests", "real", "toolchains", "compose");
const DEFAULT_CACHE_ROOT = "/var/cache/ml-platform";

// The exact build recipe. It is part of the cache key, so changing a flag here cannot reuse a binary built otherwise.
// -trimpath and a static (CGO-free) link match upstream's release build and keep the output independent of this
// machine's paths and C libraries.
const BUILD_ARGS = ["build", "-trimpath", "-ldflags", `-s -w -X ${COMPOSE_VERSION_VARIABLE}=${COMPOSE_VERSION}`];

export interface ComposeInstall {
  /** Absolute path of the standalone `docker-compose` binary. */
  binary: string;
  /** What `docker-compose version --short` printed, e.g. "2.40.3". */
  version: string;
  /** True when this call compiled the binary, false when the cached one was reused. */
  built: boolean;
  /** Wall-clock seconds this call took. */
  seconds: number;
}

/**
 * Returns a working Compose v2 binary, compiling it on the first call on a machine.
 *
 * The binary lives in `${ML_PLATFORM_CACHE:-/var/cache/ml-platform}/tools/compose/<version>-<key>/docker-compose`,
 * where `<key>` hashes the wrapper's go.mod, go.sum and the build recipe. Go's module and build caches live in
 * `$CACHE/go/mod` and `$CACHE/go/build`, so nothing is written into the checkout.
 */
export async function ensureCompose(log: (line: string) => void): Promise<ComposeInstall> {
  const started = process.hrtime.bigint();
  const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e9;

  const wrapperDir = findWrapperModule(__dirname);
  const goMod = fs.readFileSync(path.join(wrapperDir, "go.mod"), "utf8");
  const goSum = fs.readFileSync(path.join(wrapperDir, "go.sum"), "utf8");
  assertPinnedVersion(goMod);

  const cacheRoot = process.env.ML_PLATFORM_CACHE || DEFAULT_CACHE_ROOT;
  const installDir = path.join(cacheRoot, "tools", "compose", `${COMPOSE_VERSION}-${cacheKey(goMod, goSum)}`);
  const binary = path.join(installDir, "docker-compose");
  const expected = COMPOSE_VERSION.replace(/^v/, "");

  // Warm path: the key already pins the inputs, so only prove the file is still an executable of the right version.
  if (fs.existsSync(binary)) {
    const version = await composeVersion(binary);
    if (version === expected) {
      log(`compose: using cached ${binary} (${version})`);
      return { binary, version, built: false, seconds: elapsed() };
    }
    log(`compose: cached ${binary} reports "${version}", expected "${expected}"; rebuilding`);
  }

  fs.mkdirSync(installDir, { recursive: true });
  // Build to a private name and rename, so a concurrent run never executes a half-written binary.
  const partial = path.join(installDir, `.docker-compose.${process.pid}.partial`);
  log(`compose: building ${COMPOSE_MAIN_PACKAGE}@${COMPOSE_VERSION} into ${installDir} (first run on this machine)`);
  try {
    await run("go", [...BUILD_ARGS, "-o", partial, COMPOSE_MAIN_PACKAGE], {
      cwd: wrapperDir,
      env: goEnvironment(cacheRoot),
      onLine: (line) => log(`compose: ${line}`),
    });
    fs.chmodSync(partial, 0o755);
    fs.renameSync(partial, binary);
  } finally {
    fs.rmSync(partial, { force: true });
  }

  const version = await composeVersion(binary);
  if (version !== expected) {
    throw new Error(`compose: freshly built ${binary} reports version "${version}", expected "${expected}"`);
  }
  const seconds = elapsed();
  log(`compose: built ${binary} (${version}) in ${seconds.toFixed(1)}s`);
  return { binary, version, built: true, seconds };
}

/**
 * Makes `docker compose` (the CLI plugin form) resolve to `binary` for commands run with DOCKER_CONFIG=dockerConfigDir.
 * Returns the folder to use as DOCKER_CONFIG. The standalone binary is preferred; this is for callers that need the
 * plugin form, and it leaves the user's own Docker configuration alone.
 */
export function linkComposePlugin(binary: string, dockerConfigDir: string): string {
  const pluginDir = path.join(dockerConfigDir, "cli-plugins");
  fs.mkdirSync(pluginDir, { recursive: true });
  const link = path.join(pluginDir, "docker-compose");
  // Replace rather than trust an old link: it may point at a binary from a previous pin.
  fs.rmSync(link, { force: true });
  fs.symlinkSync(binary, link);
  return dockerConfigDir;
}

// The go environment is spelled out instead of inherited so the build is the same on every machine:
// -mod=readonly makes a go.sum mismatch an error instead of a silent edit, GOWORK=off ignores any workspace above the
// checkout, GOTOOLCHAIN=local never tries to fetch another Go, and CGO_ENABLED=0 gives a static binary like upstream.
function goEnvironment(cacheRoot: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: path.join(cacheRoot, "go", "mod"),
    GOCACHE: path.join(cacheRoot, "go", "build"),
    GOFLAGS: "-mod=readonly",
    GOWORK: "off",
    GOTOOLCHAIN: "local",
    CGO_ENABLED: "0",
  };
}

function cacheKey(goMod: string, goSum: string): string {
  const hash = createHash("sha256");
  for (const part of [goMod, goSum, JSON.stringify(BUILD_ARGS)]) {
    hash.update(part);
    // A separator keeps moving text from one input to the next from producing the same key.
    hash.update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

// The TypeScript constant and the go.mod pin are two statements of one fact; a mismatch would stamp the wrong version.
function assertPinnedVersion(goMod: string): void {
  const pin = new RegExp(`^\\s*${COMPOSE_MODULE.replace(/[./]/g, "\\$&")}\\s+(\\S+)`, "m").exec(goMod);
  if (!pin || pin[1] !== COMPOSE_VERSION) {
    throw new Error(
      `compose: ${WRAPPER_RELATIVE_PATH}/go.mod pins ${COMPOSE_MODULE} ${pin ? pin[1] : "(nothing)"}, ` +
        `but ensureCompose expects ${COMPOSE_VERSION}`,
    );
  }
}

// Works both from the TypeScript sources (ts-node) and from the compiled copy under dist/, which sit at different
// depths below the repository root.
function findWrapperModule(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, WRAPPER_RELATIVE_PATH);
    if (fs.existsSync(path.join(candidate, "go.mod"))) {
      return candidate;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`compose: no ${WRAPPER_RELATIVE_PATH}/go.mod above ${start}`);
    }
  }
}

async function composeVersion(binary: string): Promise<string> {
  try {
    const output = await run(binary, ["version", "--short"], {});
    return output.trim();
  } catch (error) {
    return `unusable: ${error instanceof Error ? error.message : String(error)}`;
  }
}

interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
}

// Resolves with stdout; rejects with the tail of stderr so a failed build says which module or package broke.
function run(command: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        options.onLine?.(line);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (pending) {
        options.onLine?.(pending);
      }
      if (code === 0) {
        resolve(stdout);
        return;
      }
      const tail = stderr.trim().split("\n").slice(-20).join("\n");
      reject(new Error(`${command} ${args.join(" ")} exited with ${signal ?? code}${tail ? `:\n${tail}` : ""}`));
    });
  });
}

// Test-free helper: `node dist/tests/real/setup/compose.js` builds (or finds) the binary and prints its path, so a
// developer can prepare a machine or use the same binary by hand.
if (require.main === module) {
  ensureCompose((line) => console.error(line)).then(
    (install) => console.log(install.binary),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
