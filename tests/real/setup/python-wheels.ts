/**
 * Python packages for the Prefect stand-in, with nothing inside the image
 * build reaching the network: the lock file in the repository pins every
 * wheel by hash (pip-compile --generate-hashes), the host downloads those
 * wheels for the image's Python (Debian bookworm's CPython 3.11 on glibc
 * 2.36, x86_64) into the cache, and the build installs them with --no-index
 * --require-hashes.
 */
import * as fs from "fs";
import * as path from "path";
import { cacheDir, contentKey, ensureCached } from "./cache";
import { imageContext } from "./repo-paths";
import { Log, run } from "./run";

/** pip-tools runs from a throwaway virtual environment; pinned so the lock's format does not drift. */
const PIP_TOOLS = ["pip==25.2", "pip-tools==7.6.2"];
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

async function pipToolsVenv(log: Log): Promise<string> {
  const dir = path.join(cacheDir("tools"), `pip-tools-${contentKey(...PIP_TOOLS)}`);
  await ensureCached(dir, async (staging) => {
    log(`installing ${PIP_TOOLS.join(" ")} into a throwaway virtual environment`);
    await run(hostPython(), ["-m", "venv", staging]);
    await run(path.join(staging, "bin/pip"), ["install", "--quiet", ...PIP_TOOLS]);
  });
  // A venv's scripts name its absolute path; the staging folder was renamed, so run them through its python.
  return path.join(dir, "bin/python");
}

/**
 * Regenerates requirements.lock from requirements.in. Run by hand when the
 * pins change (it resolves against PyPI); the suite only reads the lock.
 */
export async function lockPrefectRequirements(log: Log): Promise<void> {
  const python = await pipToolsVenv(log);
  log(`pip-compile --generate-hashes ${REQUIREMENTS_IN}`);
  await run(
    python,
    [
      "-m",
      "piptools",
      "compile",
      "--quiet",
      "--generate-hashes",
      "--allow-unsafe",
      "--strip-extras",
      "--no-emit-index-url",
      // The lock must not name this machine's pip configuration (find-links folders).
      "--no-emit-find-links",
      "--output-file",
      REQUIREMENTS_LOCK,
      REQUIREMENTS_IN,
    ],
    {
      cwd: imageContext("prefect"),
      env: { ...process.env, CUSTOM_COMPILE_COMMAND: "node dist/tests/real/setup/cli.js lock" },
    },
  );
}

/** Where the wheels a lock file names are cached (keyed by the lock's content and the target). */
export function wheelsDir(lockFile: string): string {
  return path.join(cacheDir("wheels"), contentKey(fs.readFileSync(lockFile), ...TARGET));
}

/** The folder of wheels the lock names, downloaded once per lock content. */
export async function ensureWheels(lockFile: string, log: Log): Promise<string> {
  const dir = wheelsDir(lockFile);
  const fresh = await ensureCached(dir, async (staging) => {
    log(`downloading the wheels ${path.basename(lockFile)} pins (hash-checked)`);
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
  if (!fresh) log(`wheels for ${path.basename(lockFile)} are cached`);
  return dir;
}
