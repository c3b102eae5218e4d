/**
 * The project as it was at the base commit, built and ready to render: its
 * files from git, the working tree's node_modules (linked, not installed) and
 * the working tree's TypeScript compiler.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { exportTree, repositoryOf } from "./git";
import { tail } from "./render-runner";

export class BaseTreeError extends Error {}

export interface BaseTree {
  projectDir: string;
  renderCli: string;
  /** Compiler complaints about the base, shown as a note: tsc still emits, so the render usually works. */
  buildWarnings?: string;
  remove(): void;
}

const RENDER_SOURCE = path.join("tools", "render", "cli.ts");
const RENDER_OUTPUT = path.join("dist", "tools", "render", "cli.js");

export function prepareBaseTree(projectDir: string, commit: string, label: string): BaseTree {
  const { top, prefix } = repositoryOf(projectDir);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-diff-base-"));
  const remove = () => fs.rmSync(root, { recursive: true, force: true });
  try {
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
    const tsc = path.join(projectDir, "node_modules", "typescript", "bin", "tsc");
    const build = spawnSync(process.execPath, [tsc, "-p", path.join(baseProject, "tsconfig.json")], {
      cwd: baseProject,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const renderCli = path.join(baseProject, RENDER_OUTPUT);
    if (!fs.existsSync(renderCli)) {
      const output = build.error?.message ?? tail(`${build.stdout}${build.stderr}`, 20);
      throw new BaseTreeError(`the base ${label} did not build, so it cannot be rendered:\n${output}`);
    }
    const buildWarnings = build.status === 0 ? undefined : tail(`${build.stdout}${build.stderr}`, 20);
    return { projectDir: baseProject, renderCli, buildWarnings, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
