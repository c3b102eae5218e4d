/**
 * A scratch copy of the project for tests that run the tools end to end: the
 * sources, stack files and workloads, the real node_modules linked in, both
 * targets replaced by tests/fixtures/diff/stub-target.ts, compiled with the
 * project's tsc. Optionally a git repository with one commit on main.
 */
import { spawnSync, SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../../../platform/project-root";

const NOT_COPIED = new Set(["node_modules", "dist", "out", ".git", ".pulumi-state", "tests", ".github"]);
const STUB_SOURCE = path.join("tests", "fixtures", "diff", "stub-target.ts");

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
  for (const target of ["docker", "kubernetes"])
    fs.writeFileSync(path.join(dir, "components", target, "index.ts"), stub);
  fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
  // tsc emits even when other modules of the copy have type errors; only the tools and the stub matter here.
  run(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], dir);
  if (!fs.existsSync(path.join(dir, "dist", "tools", "diff", "cli.js")))
    throw new Error(`the project copy in ${dir} did not build`);

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
