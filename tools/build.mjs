// npm run build: type-checks and compiles the project into dist/ with tsc, unless
// nothing tsc reads has changed since the last build that passed.
//
// The stamp (dist/.build-stamp) records a SHA-256 of every file tsc reads from
// the project (tsconfig.json, package-lock.json, and each .ts and .json file
// under the folders tsconfig.json includes) taken before tsc ran, written only
// when tsc passed, together with each file's size and modification time. When
// the same files are there with the same sizes and times, dist/ is what tsc
// would produce now without reading a file; when only times changed (a
// checkout, a touch), the contents are hashed and compared. With every
// expected .js in place the tools then start at once. Otherwise tsc runs
// incrementally (dist/.tsbuildinfo), and compiled files whose source is gone
// are removed, so mocha never runs a test that no longer exists.
//
//   node tools/build.mjs           build if anything changed
//   node tools/build.mjs --force   type-check and build from scratch
//   node tools/build.mjs --status  exit 0 if dist/ is current, 1 if not; never builds
//
// ensureBuilt() is the same check for tools/start.mjs, which then runs a
// compiled tool in its own process.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, ".build-stamp");
const buildInfo = path.join(dist, ".tsbuildinfo");
const SOURCE = /\.(ts|json)$/;
const SKIPPED = new Set(["node_modules", "dist", "out", ".git", ".pulumi-state"]);

/** Top folders (and files) of tsconfig.json's "include" globs. */
function includedRoots() {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.json"), "utf8"));
  return [...new Set((tsconfig.include ?? []).map((glob) => glob.split("/")[0]))].sort();
}

function walk(entry, found) {
  const full = path.join(root, entry);
  let stat;
  try {
    stat = fs.statSync(full);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    for (const child of fs.readdirSync(full).sort()) if (!SKIPPED.has(child)) walk(path.join(entry, child), found);
  } else if (SOURCE.test(entry)) found.push(entry);
}

function sources() {
  const found = [];
  for (const entry of includedRoots()) walk(entry, found);
  return found;
}

const tracked = (files) => ["tsconfig.json", "package-lock.json", ...files];

function fingerprint(files) {
  const hash = createHash("sha256");
  for (const file of tracked(files)) {
    hash.update(`${file}\0`);
    try {
      hash.update(fs.readFileSync(path.join(root, file)));
    } catch {
      hash.update("(missing)");
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}

const compiled = (file) => path.join(dist, file.replace(/\.ts$/, ".js"));

/** Each tracked file's size and modification time ("-" for a missing file). */
function statsOf(files) {
  const stats = {};
  for (const file of tracked(files)) {
    try {
      const stat = fs.statSync(path.join(root, file));
      stats[file] = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      stats[file] = "-";
    }
  }
  return stats;
}

function readStamp() {
  try {
    const recorded = JSON.parse(fs.readFileSync(stampFile, "utf8"));
    return typeof recorded?.fingerprint === "string" && typeof recorded.stats === "object" ? recorded : undefined;
  } catch {
    return undefined;
  }
}

function writeStamp(fingerprintValue, stats) {
  fs.writeFileSync(stampFile, `${JSON.stringify({ fingerprint: fingerprintValue, stats })}\n`);
}

const sameStats = (a, b) =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((file) => a[file] === b[file]);

function compiledInPlace(files) {
  return files
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
    .every((file) => fs.existsSync(compiled(file)));
}

/** Whether dist/ is current; hashes the sources only when their sizes or times changed. */
function isCurrent(files, stats) {
  const recorded = readStamp();
  if (!recorded || !compiledInPlace(files)) return false;
  if (sameStats(recorded.stats, stats)) return true;
  if (recorded.fingerprint !== fingerprint(files)) return false;
  writeStamp(recorded.fingerprint, stats);
  return true;
}

/** Removes dist/**.js (and its map) whose .ts source no longer exists. */
function removeOrphans(files) {
  const expected = new Set(files.filter((file) => file.endsWith(".ts")).map(compiled));
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith(".js") && !expected.has(full)) {
        fs.rmSync(full);
        fs.rmSync(`${full}.map`, { force: true });
      }
    }
  };
  for (const entry of includedRoots()) {
    const dir = path.join(dist, entry);
    if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) visit(dir);
  }
}

/**
 * Builds dist/ unless it is current. A failed type-check exits with tsc's status: nothing may run stale code.
 * `force` type-checks and builds from scratch.
 */
export function ensureBuilt({ force = false } = {}) {
  const files = sources();
  const stats = statsOf(files);
  if (!force && isCurrent(files, stats)) return;

  // Taken before tsc runs: a file changed while it compiles is seen as changed by the next build.
  const stamp = fingerprint(files);
  fs.rmSync(stampFile, { force: true });
  // A missing output means dist/ was changed behind tsc's back: its incremental state cannot be trusted.
  const missing = !compiledInPlace(files);
  if (force || missing) fs.rmSync(buildInfo, { force: true });
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(
    process.execPath,
    [tsc, "-p", path.join(root, "tsconfig.json"), "--incremental", "--tsBuildInfoFile", buildInfo],
    { cwd: root, stdio: "inherit" },
  );
  if (build.error) throw build.error;
  if (build.status !== 0) process.exit(build.status ?? 1);
  removeOrphans(files);
  writeStamp(stamp, stats);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv.includes("--status")) {
    const files = sources();
    process.exit(isCurrent(files, statsOf(files)) ? 0 : 1);
  }
  ensureBuilt({ force: argv.includes("--force") });
}
