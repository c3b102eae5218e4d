// npm run build: type-checks and compiles the project into dist/ with tsc, unless
// nothing tsc reads has changed since the last build that passed.
//
// The stamp (dist/.build-stamp) is a SHA-256 of every file tsc reads from the
// project (tsconfig.json, package-lock.json, and each .ts and .json file under
// the folders tsconfig.json includes) taken before tsc ran, written only when
// tsc passed. A matching stamp with every expected .js in place means dist/ is
// what tsc would produce now, so the tools start at once. Otherwise tsc runs
// incrementally (dist/.tsbuildinfo), and compiled files whose source is gone
// are removed, so mocha never runs a test that no longer exists.
//
//   node tools/build.mjs           build if anything changed
//   node tools/build.mjs --force   type-check and build from scratch
//   node tools/build.mjs --status  exit 0 if dist/ is current, 1 if not; never builds
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

function fingerprint(files) {
  const hash = createHash("sha256");
  for (const file of ["tsconfig.json", "package-lock.json", ...files]) {
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

function isCurrent(files, stamp) {
  let recorded;
  try {
    recorded = fs.readFileSync(stampFile, "utf8").trim();
  } catch {
    return false;
  }
  return (
    recorded === stamp &&
    files
      .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))
      .every((file) => fs.existsSync(compiled(file)))
  );
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

function main(argv) {
  const force = argv.includes("--force");
  const files = sources();
  const stamp = fingerprint(files);
  if (argv.includes("--status")) process.exit(isCurrent(files, stamp) ? 0 : 1);
  if (!force && isCurrent(files, stamp)) return;

  fs.rmSync(stampFile, { force: true });
  // A missing output means dist/ was changed behind tsc's back: its incremental state cannot be trusted.
  const missing = files.some(
    (file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !fs.existsSync(compiled(file)),
  );
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
  fs.writeFileSync(stampFile, `${stamp}\n`);
}

main(process.argv.slice(2));
