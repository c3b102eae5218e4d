// Docker Compose v2 for the real-runtime suite.
//
// The suite deploys the rendered compose.yaml onto Docker Engine 20.10 with `docker compose up`, but Debian only ships
// docker-compose 1.29, which predates `depends_on.condition: service_completed_successfully`, `up --wait` and the
// Compose Specification the renderer targets. No prebuilt binary can be downloaded here, so Compose is compiled from
// the Go module proxy using the wrapper module in tests/real/toolchains/compose, whose committed go.mod/go.sum pin
// Compose and every dependency. go-build.ts compiles it and caches the result outside the repository, keyed by those
// two files and the recipe, so only the first run on a machine pays for the build.
//
// How the suite should call it: run the returned `binary` directly (`docker-compose -f compose.yaml up -d --wait`)
// with DOCKER_HOST pointing at the engine under test. That path does not depend on which Docker CLI is installed.
// `linkComposePlugin` exists for the places that must say `docker compose`: it puts the same binary into a private
// DOCKER_CONFIG folder, never into the user's ~/.docker.
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureGoTool } from "./go-build";
import { run } from "./run";

/** The Compose release the wrapper module pins; ensureGoTool refuses to run if go.mod says otherwise. */
export const COMPOSE_VERSION = "v2.40.3";

const COMPOSE_MODULE = "github.com/docker/compose/v2";
// Upstream's Makefile stamps the release into this variable; without it `docker-compose version` reports "dev".
const COMPOSE_VERSION_VARIABLE = `${COMPOSE_MODULE}/internal.Version`;

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
 * where `<key>` hashes the wrapper's go.mod, go.sum, the build recipe and the Go release (see go-build.ts).
 */
export async function ensureCompose(log: (line: string) => void): Promise<ComposeInstall> {
  const expected = COMPOSE_VERSION.replace(/^v/, "");
  const install = await ensureGoTool(
    {
      name: "compose",
      module: COMPOSE_MODULE,
      version: COMPOSE_VERSION,
      wrapperDir: path.join("tests", "real", "toolchains", "compose"),
      packages: [{ pkg: `${COMPOSE_MODULE}/cmd`, output: "docker-compose" }],
      // -s -w and a static (CGO-free) link match upstream's release build.
      ldflags: ["-s", "-w", "-X", `${COMPOSE_VERSION_VARIABLE}=${COMPOSE_VERSION}`],
      expectVersion: { output: "docker-compose", args: ["version", "--short"], contains: expected },
    },
    log,
  );
  const binary = install.binaries["docker-compose"];
  const version = (await run(binary, ["version", "--short"])).stdout.trim();
  return { binary, version, built: install.built, seconds: install.seconds };
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
