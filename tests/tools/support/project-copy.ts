/**
 * A scratch copy of the project for tests that run the tools end to end: the
 * sources, stack files and workloads, the real node_modules linked in, both
 * targets replaced by tests/fixtures/diff/stub-target.ts. Its dist/ is the
 * project's own (the sources are the same, and npm test compiled them before
 * mocha started) with the stub's compiled file in place of each target's
 * index.js. Optionally a git repository with one commit on main.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../../../platform/project-root";

const NOT_COPIED = new Set(["node_modules", "dist", "out", ".git", ".pulumi-state", "tests", ".github"]);
const STUB_SOURCE = path.join("tests", "fixtures", "diff", "stub-target.ts");
/** The stub as this test run compiled it: it imports packages only, so it works from any folder. */
const STUB_COMPILED = path.join(__dirname, "..", "..", "fixtures", "diff", "stub-target.js");
/** The compiled project this test run uses (dist/). */
const DIST = path.join(__dirname, "..", "..", "..");

export interface ProjectCopy {
  dir: string;
  /** Runs one of the copy's compiled tools, e.g. tool("diff", ["--stack", "dev"]). */
  tool(name: "diff" | "promote" | "compare", args: string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string>;
  git(args: string[]): string;
  read(file: string): string;
  write(file: string, text: string): void;
  remove(): void;
}

function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
}

function must(result: SpawnSyncReturns<string>, what: string): string {
  if (result.error || result.status !== 0) {
    throw new Error(
      `${what} failed (${result.status}): ${result.error?.message ?? ""}${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

export function copyProject(options: { git: boolean }): ProjectCopy {
  const root = projectRoot();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-copy-"));
  for (const entry of fs.readdirSync(root)) {
    if (!NOT_COPIED.has(entry)) fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  const stub = fs.readFileSync(path.join(root, STUB_SOURCE), "utf8");
  for (const target of ["docker", "swarm", "kubernetes"])
    fs.writeFileSync(path.join(dir, "components", target, "index.ts"), stub);
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  const dist = path.join(dir, "dist");
  const notCopied = new Set(["tests", ".build-stamp", ".tsbuildinfo"].map((entry) => path.join(DIST, entry)));
  fs.cpSync(DIST, dist, { recursive: true, filter: (source) => !notCopied.has(source) });
  const compiledStub = fs.readFileSync(STUB_COMPILED, "utf8");
  for (const target of ["docker", "swarm", "kubernetes"]) {
    fs.writeFileSync(path.join(dist, "components", target, "index.js"), compiledStub);
    fs.rmSync(path.join(dist, "components", target, "index.js.map"), { force: true });
  }
  if (!fs.existsSync(path.join(dist, "tools", "diff", "cli.js")))
    throw new Error(`the project copy in ${dir} has no compiled tools`);

  const copy: ProjectCopy = {
    dir,
    tool: (name, args, env) =>
      run(process.execPath, [path.join(dir, "dist", "tools", name, "cli.js"), ...args], dir, env),
    git: (args) => must(run("git", args, dir), `git ${args.join(" ")}`).trim(),
    read: (file) => fs.readFileSync(path.join(dir, file), "utf8"),
    write: (file, text) => fs.writeFileSync(path.join(dir, file), text),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
  if (options.git) {
    copy.git(["init", "--quiet", "--initial-branch=main"]);
    fs.appendFileSync(path.join(dir, ".git", "info", "exclude"), "node_modules\n");
    copy.git(["add", "--all"]);
    copy.git(["-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "--quiet", "--message", "base"]);
  }
  return copy;
}
