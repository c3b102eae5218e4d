/**
 * The project as it was at the base commit, compiled and ready to render: its
 * files from git, the working tree's node_modules (linked, not installed),
 * each TypeScript file compiled the way the working tree compiles its own
 * (tools/transpile.cjs).
 *
 * The base is only rendered, never type-checked (the working tree is; a base
 * is a commit that was reviewed already), so it is compiled file by file,
 * which takes a fraction of a full tsc run. A commit's content never changes,
 * so the prepared tree is kept in node_modules/.cache/ml-platform/diff-base/,
 * keyed by commit, project folder and compiler, and reused by the
 * next diff against the same base; the newest few are kept. The transpiled
 * code is kept apart, keyed by the git objects of the files it comes from, so
 * a base that differs from an earlier one only in its stack files (a
 * promotion, say) is not transpiled again.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type * as TypeScript from "typescript";
import { exportTree, repositoryOf, trackedFiles } from "./git";
import { tail } from "./render-runner";

export class BaseTreeError extends Error {}

export interface BaseTree {
  projectDir: string;
  renderCli: string;
  /** Files of the base that did not compile (syntax errors), shown as a note: the render runs without them. */
  buildWarnings?: string;
  remove(): void;
}

const RENDER_SOURCE = path.join("tools", "render", "cli.ts");
const RENDER_OUTPUT = path.join("dist", "tools", "render", "cli.js");
/** Bump when the layout or the way a base is prepared changes, so old entries are not reused. */
const CACHE_LAYOUT = "2";
const CACHE_ENTRIES_KEPT = 6;
const COMPLETE = ".complete";
const WARNINGS = ".build-warnings";

function loadTypeScript(projectDir: string): typeof TypeScript {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(projectDir, "node_modules", "typescript")) as typeof TypeScript;
}

/** tools/transpile.cjs of the working tree: how the project compiles a file. */
interface Transpiler {
  transpileSync(
    projectDir: string,
    sourceFile: string,
    outputFile: string,
    settings: { sourceMap: boolean },
  ): { code: string };
  transpilerVersion: string;
}

const TRANSPILER = path.join("tools", "transpile.cjs");

function loadTranspiler(projectDir: string): Transpiler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(projectDir, TRANSPILER)) as Transpiler;
}

/** What the compiled code depends on besides the sources: the transpiler's settings and version. */
function compilerIdentity(projectDir: string): string {
  return crypto
    .createHash("sha256")
    .update(fs.readFileSync(path.join(projectDir, TRANSPILER)))
    .update(loadTranspiler(projectDir).transpilerVersion)
    .digest("hex");
}

/**
 * Emits each file of the base's tsconfig.json the way the working tree's build lays it out, under `outRoot` in
 * place of the base project's folder; returns the files that did not compile and why, if any.
 */
function transpile(projectDir: string, baseProject: string, outRoot: string): string | undefined {
  const ts = loadTypeScript(projectDir);
  const configFile = path.join(baseProject, "tsconfig.json");
  const read = ts.readConfigFile(configFile, ts.sys.readFile);
  if (read.error)
    throw new BaseTreeError(`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, baseProject);
  const outDir = parsed.options.outDir ?? baseProject;
  const rootDir = parsed.options.rootDir ?? baseProject;
  const { transpileSync } = loadTranspiler(projectDir);
  const problems: string[] = [];
  const tests = path.join(baseProject, "tests") + path.sep;
  for (const file of parsed.fileNames) {
    // A render never loads the tests.
    if (file.endsWith(".d.ts") || file.endsWith(".json") || file.startsWith(tests)) continue;
    const emitted = path.join(outDir, path.relative(rootDir, file)).replace(/\.tsx?$/, ".js");
    const target = path.join(outRoot, path.relative(baseProject, emitted));
    let code: string;
    try {
      ({ code } = transpileSync(baseProject, file, emitted, { sourceMap: false }));
    } catch (error) {
      // The message names the file, line and column.
      problems.push(error instanceof Error ? error.message : String(error));
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, code);
  }
  return problems.length > 0 ? tail(problems.join("\n"), 20) : undefined;
}

/** What the transpiled code of a base depends on: its TypeScript files and tsconfig.json, by git object, and the compiler. */
export function codeKey(projectDir: string, commit: string, prefix: string): string {
  const { top } = repositoryOf(projectDir);
  const sources = trackedFiles(top, commit, prefix).filter(
    (entry) => entry.path.endsWith(".ts") || entry.path.endsWith("tsconfig.json"),
  );
  return crypto
    .createHash("sha256")
    .update([CACHE_LAYOUT, "code", prefix, compilerIdentity(projectDir)].join("\0"))
    .update(sources.map((entry) => `${entry.object} ${entry.path}`).join("\n"))
    .digest("hex")
    .slice(0, 32);
}

/** Runs `fill` into a fresh folder and moves it to `entry`, unless `entry` is complete already (or becomes so). */
function cachedEntry(cacheDir: string, key: string, fill: (folder: string) => void): string {
  const entry = path.join(cacheDir, key);
  if (!fs.existsSync(path.join(entry, COMPLETE))) {
    const partial = path.join(cacheDir, `${key}.partial-${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
    fs.mkdirSync(partial);
    try {
      fill(partial);
      fs.writeFileSync(path.join(partial, COMPLETE), `${key}\n`);
      fs.renameSync(partial, entry);
    } catch (error) {
      fs.rmSync(partial, { recursive: true, force: true });
      // Another run finished the same entry first: use theirs.
      if (!fs.existsSync(path.join(entry, COMPLETE))) throw error;
    }
  }
  const touched = new Date();
  fs.utimesSync(entry, touched, touched);
  return entry;
}

/** Exports the base into `root` and lays its transpiled code over it; throws a BaseTreeError when there is nothing to render. */
function prepareInto(projectDir: string, commit: string, label: string, root: string, cacheDir: string): void {
  const { top, prefix } = repositoryOf(projectDir);
  exportTree(top, commit, prefix, root);
  const baseProject = path.join(root, prefix);
  if (!fs.existsSync(path.join(baseProject, "Pulumi.yaml"))) {
    throw new BaseTreeError(`the base ${label} has no Pulumi project at ${prefix || "the repository root"}`);
  }
  if (!fs.existsSync(path.join(baseProject, RENDER_SOURCE))) {
    throw new BaseTreeError(
      `the base ${label} has no offline render (${RENDER_SOURCE}), so there is nothing to compare against; pick a later base with --base`,
    );
  }
  fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(baseProject, "node_modules"), "dir");
  const code = cachedEntry(cacheDir, codeKey(projectDir, commit, prefix), (folder) => {
    const compiled = path.join(folder, "project");
    let warnings: string | undefined;
    try {
      warnings = transpile(projectDir, baseProject, compiled);
    } catch (error) {
      if (error instanceof BaseTreeError) throw new BaseTreeError(`the base ${label} did not build: ${error.message}`);
      throw error;
    }
    if (warnings) fs.writeFileSync(path.join(folder, WARNINGS), warnings);
  });
  // Copied, not linked: Node.js resolves a linked module to its real folder, and the render finds its stack files
  // relative to its own code.
  const compiled = path.join(code, "project");
  if (fs.existsSync(compiled)) fs.cpSync(compiled, baseProject, { recursive: true });
  if (!fs.existsSync(path.join(baseProject, RENDER_OUTPUT))) {
    throw new BaseTreeError(`the base ${label} did not build, so it cannot be rendered (no ${RENDER_OUTPUT})`);
  }
  if (fs.existsSync(path.join(code, WARNINGS))) fs.copyFileSync(path.join(code, WARNINGS), path.join(root, WARNINGS));
}

/** Drops all but the newest entries, and unfinished ones left by a run that died. */
function prune(cacheDir: string, keep: string): void {
  const now = Date.now();
  const entries = fs
    .readdirSync(cacheDir)
    .map((name) => {
      const full = path.join(cacheDir, name);
      return { name, full, mtime: fs.statSync(full).mtimeMs };
    })
    .sort((a, b) => b.mtime - a.mtime);
  let kept = 0;
  for (const entry of entries) {
    if (entry.name === keep) continue;
    const unfinished = entry.name.includes(".partial-");
    if (unfinished ? now - entry.mtime > 60 * 60 * 1000 : ++kept >= CACHE_ENTRIES_KEPT)
      fs.rmSync(entry.full, { recursive: true, force: true });
  }
}

export function prepareBaseTree(projectDir: string, commit: string, label: string): BaseTree {
  const { prefix } = repositoryOf(projectDir);
  const cacheDir = path.join(projectDir, "node_modules", ".cache", "ml-platform", "diff-base");
  const key = crypto
    .createHash("sha256")
    .update([CACHE_LAYOUT, commit, prefix, compilerIdentity(projectDir)].join("\0"))
    .digest("hex")
    .slice(0, 32);
  fs.mkdirSync(cacheDir, { recursive: true });
  const entry = cachedEntry(cacheDir, key, (folder) => prepareInto(projectDir, commit, label, folder, cacheDir));
  prune(cacheDir, key);

  const baseProject = path.join(entry, prefix);
  const warningsFile = path.join(entry, WARNINGS);
  return {
    projectDir: baseProject,
    renderCli: path.join(baseProject, RENDER_OUTPUT),
    buildWarnings: fs.existsSync(warningsFile) ? fs.readFileSync(warningsFile, "utf8") : undefined,
    // Kept for the next diff against the same base; prune() bounds the cache.
    remove: () => undefined,
  };
}
