/** The few git questions the diff asks, answered by the git CLI. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export class GitError extends Error {}

function git(cwd: string, args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new GitError(`git is not available: ${result.error.message}`);
  if (result.status !== 0) throw new GitError(`git ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function tryGit(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}

/** The repository's top folder and the project's place inside it ("" when they are the same). */
export function repositoryOf(projectDir: string): { top: string; prefix: string } {
  const top = tryGit(projectDir, ["rev-parse", "--show-toplevel"]);
  if (!top) throw new GitError(`${projectDir} is not inside a git repository`);
  const prefix = path.relative(fs.realpathSync(top), fs.realpathSync(projectDir));
  return { top, prefix: prefix.split(path.sep).join("/") };
}

/** The commit a ref names, or a GitError that says the ref is unknown. */
export function resolveCommit(cwd: string, ref: string): string {
  const commit = tryGit(cwd, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  if (!commit) throw new GitError(`unknown git ref "${ref}"`);
  return commit;
}

/** Branches the default base is looked for in, local first. */
export const MAIN_BRANCHES = ["main", "origin/main"];

/** Where HEAD left main: the commit a pull request's changes are measured from. */
export function mergeBaseWithMain(cwd: string): { commit: string; branch: string } {
  for (const branch of MAIN_BRANCHES) {
    if (!tryGit(cwd, ["rev-parse", "--verify", "--quiet", `${branch}^{commit}`])) continue;
    const commit = tryGit(cwd, ["merge-base", "HEAD", branch]);
    if (commit) return { commit, branch };
    throw new GitError(
      `HEAD and ${branch} have no common history (a shallow clone?); fetch more history or pass --base <ref>`,
    );
  }
  throw new GitError(`neither ${MAIN_BRANCHES.join(" nor ")} exists here; pass --base <ref>`);
}

export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

/**
 * Writes the project's files as they are at `commit` into `destination`
 * (git archive: no worktree, nothing in the repository changes).
 */
export function exportTree(top: string, commit: string, prefix: string, destination: string): void {
  const archive = spawnSync("git", ["archive", "--format=tar", commit, ...(prefix ? ["--", prefix] : [])], {
    cwd: top,
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (archive.error || archive.status !== 0) {
    throw new GitError(`git archive ${commit} failed: ${archive.error?.message ?? archive.stderr.toString().trim()}`);
  }
  const extract = spawnSync("tar", ["-x", "-f", "-", "-C", destination], { input: archive.stdout });
  if (extract.error || extract.status !== 0) {
    throw new GitError(`unpacking ${commit} failed: ${extract.error?.message ?? extract.stderr.toString().trim()}`);
  }
}

export interface TrackedFile {
  /** The file's git object id. */
  object: string;
  /** Its path inside the project folder. */
  path: string;
}

/** The files of the project folder (`prefix`, "" for the repository's root) at `commit`, by git object. */
export function trackedFiles(top: string, commit: string, prefix: string): TrackedFile[] {
  const listing = git(top, ["ls-tree", "-r", "-z", "--full-tree", commit, ...(prefix ? ["--", prefix] : [])]);
  return listing
    .split("\0")
    .filter((line) => line !== "")
    .map((line) => {
      const [meta, file] = line.split("\t");
      const inProject = prefix ? path.posix.relative(prefix, file) : file;
      return { object: meta.split(" ")[2], path: inProject };
    });
}

/**
 * Whether the project folder holds exactly what `commit` holds: HEAD's files are the commit's, and nothing is
 * changed, staged or untracked (ignored files, such as node_modules and dist, aside).
 */
export function workingTreeIsCommit(projectDir: string, commit: string): boolean {
  const { top, prefix } = repositoryOf(projectDir);
  const spec = prefix ? `:${prefix}` : ":";
  const head = tryGit(top, ["rev-parse", `HEAD${spec}`]);
  const base = tryGit(top, ["rev-parse", `${commit}${spec}`]);
  if (!head || head !== base) return false;
  const status = tryGit(top, ["status", "--porcelain", "--untracked-files=all", "--", prefix || "."]);
  return status === "";
}
