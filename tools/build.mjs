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
//
// npm test splits the build in two jobs that run side by side, so the tests
// start after seconds instead of after a whole tsc run:
//
//   node tools/build.mjs --transpile  compiles each changed file on its own
//                                     (TypeScript's transpileModule, which
//                                     isolatedModules in tsconfig.json makes
//                                     equivalent to tsc's output), no type-check;
//                                     many files are shared among a thread per
//                                     core, as the tests wait for them
//   node tools/build.mjs --check      type-checks with tsc, emitting nothing
//
// Each job records the fingerprint it saw; the stamp is written when both saw
// the same one and passed, so dist/ counts as current only then.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

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

/** Runs tsc on tsconfig.json with its incremental state in dist/ and `flags`; exits with tsc's status when it fails. */
function tsc(flags) {
  const compiler = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const run = spawnSync(
    process.execPath,
    [compiler, "-p", path.join(root, "tsconfig.json"), ...flags, "--incremental", "--tsBuildInfoFile", buildInfo],
    { cwd: root, stdio: "inherit" },
  );
  if (run.error) throw run.error;
  if (run.status !== 0) process.exit(run.status ?? 1);
}

/**
 * Builds dist/ unless it is current. A failed type-check exits with tsc's status: nothing may run stale code.
 * `force` type-checks and builds from scratch.
 */
export function ensureBuilt({ force = false } = {}) {
  const pending = pendingBuild({ force });
  if (!pending) return;
  const { files, stats, stamp } = pending;
  fs.rmSync(stampFile, { force: true });
  // A missing output means dist/ was changed behind tsc's back: its incremental state cannot be trusted.
  const missing = !compiledInPlace(files);
  if (force || missing) fs.rmSync(buildInfo, { force: true });
  tsc([]);
  removeOrphans(files);
  writeStamp(stamp, stats);
}

/** The tsconfig.json compiler options, as tsc reads them. */
function compilerOptions(ts) {
  const configFile = path.join(root, "tsconfig.json");
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, root).options;
}

/** Writes `text` to `file` through a temporary file, so a reader never sees half of it. */
function writeWhole(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

function readMarker(file) {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Records a job's pass; the second of the two to pass on the same sources writes the stamp. */
function passed(marker, stamp, files, stats) {
  writeWhole(marker, `${stamp}\n`);
  if (readMarker(transpiledMarker) === stamp && readMarker(checkedMarker) === stamp && compiledInPlace(files)) {
    writeStamp(stamp, stats);
  }
}

/** Compiles `files` (project-relative .ts) into dist/, each on its own; returns the compiler's complaints. */
function transpileFiles(files) {
  const ts = createRequire(import.meta.url)("typescript");
  const options = { ...compilerOptions(ts), noEmit: false, declaration: false, incremental: false };
  const problems = [];
  for (const file of files) {
    const output = compiled(file);
    const source = path.join(root, file);
    const result = ts.transpileModule(fs.readFileSync(source, "utf8"), {
      compilerOptions: options,
      fileName: source,
      reportDiagnostics: true,
    });
    for (const diagnostic of result.diagnostics ?? []) {
      problems.push(`${file}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`);
    }
    fs.mkdirSync(path.dirname(output), { recursive: true });
    writeWhole(output, result.outputText);
    if (result.sourceMapText) {
      // As tsc writes it: the source named relative to the map.
      const map = JSON.parse(result.sourceMapText);
      map.sources = [path.relative(path.dirname(output), source)];
      writeWhole(`${output}.map`, JSON.stringify(map));
    }
  }
  return problems;
}

/** Below this many files a thread's start (loading TypeScript again) costs more than it saves. */
const FILES_PER_THREAD = 40;

/** transpileFiles over a thread per core (this one included), the files dealt out in turn. */
async function transpileInThreads(files) {
  const threads = Math.max(1, Math.min(os.availableParallelism(), Math.floor(files.length / FILES_PER_THREAD)));
  const shares = Array.from({ length: threads }, (_, index) =>
    files.filter((_, position) => position % threads === index),
  );
  const others = shares.slice(1).map(
    (share) =>
      new Promise((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { transpile: share } });
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once("exit", (code) => reject(new Error(`a transpile thread stopped (exit code ${code})`)));
      }),
  );
  const own = transpileFiles(shares[0]);
  return [own, ...(await Promise.all(others))].flat();
}

/** Compiles every source file whose size or time differs from the last stamp's, each on its own. */
async function transpileChanged() {
  const pending = pendingBuild();
  if (!pending) return;
  const { files, stats, stamp } = pending;
  const recorded = readStamp();
  const configChanged = ["tsconfig.json", "package-lock.json"].some((file) => recorded?.stats[file] !== stats[file]);
  const changed = files.filter(
    (file) =>
      file.endsWith(".ts") &&
      !file.endsWith(".d.ts") &&
      (configChanged || recorded?.stats[file] !== stats[file] || !fs.existsSync(compiled(file))),
  );
  fs.mkdirSync(dist, { recursive: true });
  const problems = await transpileInThreads(changed);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exit(1);
  }
  removeOrphans(files);
  passed(transpiledMarker, stamp, files, stats);
}

/** Type-checks the project with tsc, emitting nothing; exits with tsc's status when it fails. */
function typeCheck() {
  const pending = pendingBuild();
  if (!pending) return;
  fs.mkdirSync(dist, { recursive: true });
  tsc(["--noEmit"]);
  passed(checkedMarker, pending.stamp, pending.files, pending.stats);
}

if (!isMainThread && workerData?.transpile) {
  // A share of transpileInThreads' files.
  parentPort.postMessage(transpileFiles(workerData.transpile));
} else if (isMainThread && process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv.includes("--status")) {
    const files = sources();
    process.exit(currentState(files, statsOf(files)).current ? 0 : 1);
  } else if (argv.includes("--transpile")) await transpileChanged();
  else if (argv.includes("--check")) typeCheck();
  else ensureBuilt({ force: argv.includes("--force") });
}
