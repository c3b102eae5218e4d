/**
 * Python packages for the Prefect stand-ins (the server and process worker
 * image, and the -kubernetes worker image), with nothing inside the image
 * build reaching the network: each context's lock file in the repository pins every
 * wheel by hash (pip-compile --generate-hashes), the host downloads those
 * wheels for the image's Python (Debian bookworm's CPython 3.11 on glibc
 * 2.36, x86_64) into the cache, and the build installs them with --no-index
 * --require-hashes.
 */
import * as fs from "fs";
import * as path from "path";
import { cacheDir, contentKey, ensureCached } from "./cache";
import { BaseImage } from "./base-image";
import { Engine } from "./engine";
import { imageContext, imagesRoot } from "./repo-paths";
import { runOnHostNetwork } from "./host-network-step";
import { Log, run } from "./run";

/**
 * The interpreter and platforms the wheels are for: Debian bookworm's python3
 * and glibc 2.36. pip does not widen a manylinux_2_Y platform to older ones,
 * so every glibc level the image can run is listed (and the legacy aliases).
 */
const GLIBC_MINORS = Array.from({ length: 36 - 5 + 1 }, (_, index) => 36 - index);
const TARGET = [
  "--python-version",
  "3.11",
  "--implementation",
  "cp",
  "--abi",
  "cp311",
  ...[
    ...GLIBC_MINORS.map((minor) => `manylinux_2_${minor}_x86_64`),
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
  ].flatMap((platform) => ["--platform", platform]),
];

export const REQUIREMENTS_IN = "requirements.in";
export const REQUIREMENTS_LOCK = "requirements.lock";

function hostPython(): string {
  return process.env.ML_PLATFORM_PYTHON ?? "python3";
}

/** pip-tools, pinned so the lock's format does not drift; it runs in a throwaway container. */
const PIP_TOOLS = ["pip==26.0.1", "pip-tools==7.6.2"];
/**
 * Every lock resolves as PyPI stood the day prefect 3.6.10 was published
 * (2026-01-08), which is what its official images were built from (the
 * -kubernetes one included: its prefect-kubernetes is the release PyPI
 * served that day). Resolving
 * against today's releases breaks it: prefect 3.6.10 imports
 * importlib_metadata without declaring it and got it through
 * opentelemetry-api, whose later releases dropped that dependency.
 */
const RESOLVED_AS_OF = "2026-01-09T00:00:00Z";

/** The build contexts that install Python packages: those with a requirements.in. */
export function lockedContexts(): string[] {
  return fs
    .readdirSync(imagesRoot())
    .filter((name) => fs.existsSync(path.join(imageContext(name), REQUIREMENTS_IN)))
    .sort();
}

/**
 * Regenerates a context's requirements.lock from its requirements.in. Run by
 * hand when the pins change; the suite only reads the lock. The resolution
 * runs under the image's own interpreter (Debian's python3 3.11.2 in a
 * container of the base image, on the host's network), because environment
 * markers such as `python_full_version < "3.11.3"` (redis needs async-timeout
 * there) decide what the image needs, and this machine's python3 is another
 * patch release. Every context is mounted, so a requirements.in may include
 * another's (`-r ../prefect/requirements.in`).
 */
export async function lockRequirements(engine: Engine, base: BaseImage, context: string, log: Log): Promise<void> {
  if (!lockedContexts().includes(context)) throw new Error(`images/${context} has no ${REQUIREMENTS_IN} to lock`);
  const script = [
    "set -eu",
    "apt-get update -qq",
    "apt-get install -y -qq python3-venv >/dev/null",
    "python3 -m venv /tmp/pip-tools",
    `/tmp/pip-tools/bin/pip install --quiet ${PIP_TOOLS.join(" ")}`,
    `cd /images/${context}`,
    [
      // --upgrade: resolve afresh instead of keeping the pins already in the lock.
      "/tmp/pip-tools/bin/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras",
      `--pip-args '--uploaded-prior-to=${RESOLVED_AS_OF}'`,
      // The lock must not name any machine's index or find-links configuration.
      "--no-emit-index-url --no-emit-find-links",
      `--output-file ${REQUIREMENTS_LOCK} ${REQUIREMENTS_IN}`,
    ].join(" "),
  ].join("\n");
  const certificates = "/etc/ssl/certs/ca-certificates.crt";
  log(`pip-compile --generate-hashes images/${context}/${REQUIREMENTS_IN} under the image's python3 (takes minutes)`);
  await runOnHostNetwork(engine, {
    image: base.tag,
    script,
    dockerArgs: [
      "--volume",
      `${imagesRoot()}:/images`,
      // The host's CA bundle: PyPI is reached the way this machine's pip reaches it.
      ...(fs.existsSync(certificates)
        ? ["--volume", `${certificates}:/host-ca.crt:ro`, "--env", "PIP_CERT=/host-ca.crt"]
        : []),
      "--env",
      `CUSTOM_COMPILE_COMMAND=node dist/tests/real/setup/cli.js lock ${context}`,
    ],
    timeoutSeconds: 1800,
    log,
  });
}

/** Where the wheels a lock file names are cached (keyed by the lock's content and the target). */
export function wheelsDir(lockFile: string): string {
  return path.join(cacheDir("wheels"), contentKey(fs.readFileSync(lockFile), ...TARGET));
}

/** The folder of wheels the lock names, downloaded once per lock content. */
export async function ensureWheels(lockFile: string, log: Log): Promise<string> {
  const dir = wheelsDir(lockFile);
  // images/<context>/requirements.lock: which image's lock this is.
  const name = path.join(path.basename(path.dirname(lockFile)), path.basename(lockFile));
  const fresh = await ensureCached(dir, async (staging) => {
    log(`downloading the wheels ${name} pins (hash-checked)`);
    await run(hostPython(), [
      "-m",
      "pip",
      "download",
      "--quiet",
      "--disable-pip-version-check",
      "--require-hashes",
      "--no-deps",
      "--only-binary=:all:",
      ...TARGET,
      "--dest",
      staging,
      "--requirement",
      lockFile,
    ]);
  });
  if (!fresh) log(`wheels for ${name} are cached`);
  return dir;
}
