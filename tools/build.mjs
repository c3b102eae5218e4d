// npm run build: compiles the project into dist/ (each file on its own with
// tools/transpile.cjs) and type-checks it with tsc (which emits nothing),
// unless nothing either reads has changed since the last build that passed.
//
// The stamp (dist/.build-stamp) records a SHA-256 of every file the build
// reads from the project (tsconfig.json, package-lock.json,
// tools/transpile.cjs, and each .ts and .json file under the folders
// tsconfig.json includes) taken before it ran, written only when both passed,
// together with each file's size and modification time. When the same files
// are there with the same sizes and times, dist/ is what a build would produce
// now without reading a file; when only times changed (a checkout, a touch),
// the contents are hashed and compared. With every expected .js in place the
// tools then start at once. Otherwise the files whose size or time changed
// are compiled again (all of them when the settings or the compiler changed),
// tsc type-checks incrementally (dist/.tsbuildinfo), and compiled files whose
// source is gone are removed, so mocha never runs a test that no longer
// exists. A type error fails the build: nothing may run stale code.
//
//   node tools/build.mjs           build if anything changed
//   node tools/build.mjs --force   compile every file and type-check from scratch
//   node tools/build.mjs --status  exit 0 if dist/ is current, 1 if not; never builds
//
// ensureBuilt() is the same for tools/start.mjs, which then runs a compiled
// tool in its own process.
//
// npm test runs the two halves as jobs side by side, so the tests start after
// a second instead of after a whole tsc run:
//
//   node tools/build.mjs --transpile  compiles each changed file, no type-check
//   node tools/build.mjs --check      type-checks with tsc
//
// Each job records the fingerprint it saw; the stamp is written when both saw
// the same one and passed, so dist/ counts as current only then.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const stampFile = path.join(dist, ".build-stamp");
const transpiledMarker = path.join(dist, ".transpiled");
const checkedMarker = path.join(dist, ".checked");
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

/** What decides how every file compiles: a change to one compiles them all again. */
const SETTINGS = ["tsconfig.json", "package-lock.json", path.join("tools", "transpile.cjs")];
const tracked = (files) => [...SETTINGS, ...files];

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

/**
 * Whether dist/ is current; hashes the sources only when their sizes or times changed, and then hands the
 * fingerprint on, so that a build does not take it twice.
 */
function currentState(files, stats) {
  const recorded = readStamp();
  if (!recorded || !compiledInPlace(files)) return { current: false };
  if (sameStats(recorded.stats, stats)) return { current: true };
  const taken = fingerprint(files);
  if (recorded.fingerprint !== taken) return { current: false, fingerprint: taken };
  writeStamp(taken, stats);
  return { current: true };
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
 * What a build has to work from, or undefined when dist/ is current (and `force` is not set): the sources, their
 * sizes and times, and their fingerprint, taken before anything compiles, so that a file changed meanwhile is seen
 * as changed by the next build.
 */
function pendingBuild({ force = false } = {}) {
  const files = sources();
  const stats = statsOf(files);
  const state = force ? { current: false } : currentState(files, stats);
  if (state.current) return undefined;
  return { files, stats, stamp: state.fingerprint ?? fingerprint(files) };
}

/** Runs tsc on tsconfig.json, emitting nothing, with its incremental state in dist/; exits with tsc's status when it fails. */
function typeCheck() {
  const compiler = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(
    process.execPath,
    [compiler, "-p", path.join(root, "tsconfig.json"), "--noEmit", "--incremental", "--tsBuildInfoFile", buildInfo],
    { cwd: root, stdio: "inherit" },
  );
  if (run.error) throw run.error;
  if (run.status !== 0) process.exit(run.status ?? 1);
}

/** Writes `text` to `file` through a temporary file, so a reader never sees half of it. */
async function writeWhole(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.promises.writeFile(temporary, text);
  await fs.promises.rename(temporary, file);
}

/** Compiles `files` (project-relative .ts) into dist/, all at once; exits with the compiler's complaints if any. */
async function transpileFiles(files) {
  const { transpile } = createRequire(import.meta.url)("./transpile.cjs");
  const problems = [];
  await Promise.all(
    files.map(async (file) => {
      const output = compiled(file);
      try {
        const { code, map } = await transpile(root, path.join(root, file), output, { sourceMap: true });
        await fs.promises.mkdir(path.dirname(output), { recursive: true });
        await writeWhole(output, code);
        if (map) await writeWhole(`${output}.map`, map);
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }),
  );
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exit(1);
  }
}

/** The .ts files a build compiles: those whose size or time differ from the last stamp's, or every one after `force` or a change of SETTINGS. */
function toCompile(files, stats, { force = false } = {}) {
  const recorded = force ? undefined : readStamp();
  const settingsChanged = SETTINGS.some((file) => recorded?.stats[file] !== stats[file]);
  return files.filter(
    (file) =>
      file.endsWith(".ts") &&
      !file.endsWith(".d.ts") &&
      (settingsChanged || recorded?.stats[file] !== stats[file] || !fs.existsSync(compiled(file))),
  );
}

/** Builds dist/ unless it is current: compiles what changed, type-checks, removes orphans, then stamps. */
export async function ensureBuilt({ force = false } = {}) {
  const pending = pendingBuild({ force });
  if (!pending) return;
  const { files, stats, stamp } = pending;
  const changed = toCompile(files, stats, { force });
  fs.rmSync(stampFile, { force: true });
  if (force) fs.rmSync(buildInfo, { force: true });
  fs.mkdirSync(dist, { recursive: true });
  await transpileFiles(changed);
  typeCheck();
  removeOrphans(files);
  writeStamp(stamp, stats);
}

function readMarker(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Records a job's pass; the second of the two to pass on the same sources writes the stamp. */
async function passed(marker, { files, stats, stamp }) {
  await writeWhole(marker, `${stamp}\n`);
  if (readMarker(transpiledMarker) === stamp && readMarker(checkedMarker) === stamp && compiledInPlace(files)) {
    writeStamp(stamp, stats);
  }
}

/** npm test's first job: compiles what changed since the last stamp. */
async function transpileJob() {
  const pending = pendingBuild();
  if (!pending) return;
  fs.mkdirSync(dist, { recursive: true });
  await transpileFiles(toCompile(pending.files, pending.stats));
  removeOrphans(pending.files);
  await passed(transpiledMarker, pending);
}

/** npm test's second job: type-checks. */
async function checkJob() {
  const pending = pendingBuild();
  if (!pending) return;
  fs.mkdirSync(dist, { recursive: true });
  typeCheck();
  await passed(checkedMarker, pending);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv.includes("--status")) {
    const files = sources();
    process.exit(currentState(files, statsOf(files)).current ? 0 : 1);
  } else if (argv.includes("--transpile")) await transpileJob();
  else if (argv.includes("--check")) await checkJob();
  else await ensureBuilt({ force: argv.includes("--force") });
}
