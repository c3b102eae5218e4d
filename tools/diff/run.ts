/**
 * Renders every stack twice, at the base commit and in the working tree, and
 * compares the two renders stack by stack. The renders run side by side, as
 * many at once as the machine has cores (each tree's renders in turn when
 * they run in its command thread).
 */
import * as fs from "fs";
import * as path from "path";
import { BaseTree, prepareBaseTree } from "./base-tree";
import { diffRenders } from "./compare-renders";
import { mergeBaseWithMain, resolveCommit, shortCommit, workingTreeIsCommit } from "./git";
import { StackResult } from "./model";
import {
  inParallel,
  newFingerprintKey,
  RenderOutcome,
  Renderer,
  renderStack,
  stacksIn,
  treeRenderer,
  workingTreeRenderer,
} from "./render-runner";

export interface DiffRequest {
  projectDir: string;
  /** A git ref; default: the merge-base of HEAD with main. */
  base?: string;
  /** Default: every stack with a stack file on either side. */
  stacks: string[];
}

export interface DiffRun {
  title: string;
  /** Facts about the run a reader should know (e.g. the base had type errors). */
  notes: string[];
  /** Details for the terminal only (compiler output); never part of a comment. */
  warnings: string[];
  results: StackResult[];
}

function baseCommit(projectDir: string, base: string | undefined): { commit: string; label: string } {
  if (base) {
    const commit = resolveCommit(projectDir, base);
    return { commit, label: `${base} (${shortCommit(commit)})` };
  }
  const { commit, branch } = mergeBaseWithMain(projectDir);
  return { commit, label: `merge-base with ${branch} (${shortCommit(commit)})` };
}

/** A side without the stack: every resource of the other side is added (or removed). */
const ABSENT = { ok: true, render: undefined } as const;
type Side = RenderOutcome | typeof ABSENT;

function hasStackFile(projectDir: string, stack: string): boolean {
  return fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`));
}

/**
 * A working tree that does not render is an error. A base that does not render
 * is not: a change that repairs it must be reviewable, so everything shows as
 * added, with a note that says why.
 */
function compareStack(
  stack: string,
  before: Side | undefined,
  after: Side | undefined,
  warnings: string[],
): StackResult {
  if (!before || !after) {
    return {
      ok: false,
      failure: { stack, message: `there is no Pulumi.${stack}.yaml in the base or the working tree` },
    };
  }
  if (!after.ok) {
    return { ok: false, failure: { stack, message: `rendering the working tree failed: ${after.message}` } };
  }
  if (before.ok) return { ok: true, diff: diffRenders(stack, before.render, after.render) };
  warnings.push(`rendering ${stack} at the base failed: ${before.message}`);
  const diff = diffRenders(stack, undefined, after.render);
  const notes = [
    "The base does not render this stack, so every resource shows as added (the reason is in the run's log).",
  ];
  return { ok: true, diff: { ...diff, targetBefore: after.render?.target, notes } };
}

/**
 * Renders each stack in the working tree (`head`) and at the base and compares the two. Without a base renderer
 * (the working tree holds exactly the base's files, so the base would render the same code and stack files) each
 * stack renders once and is compared with itself.
 */
async function compareStacks(
  stacks: string[],
  head: Renderer,
  base: Renderer | undefined,
  warnings: string[],
): Promise<StackResult[]> {
  const sides = base ? [head, base] : [head];
  const present = stacks.map((stack) => sides.map((side) => hasStackFile(side.projectDir, stack)));
  const renders = await inParallel<Side>(
    stacks.flatMap((stack, index) =>
      sides.map((side, which) => () => (present[index][which] ? renderStack(side, stack) : Promise.resolve(ABSENT))),
    ),
  );
  return stacks.map((stack, index) => {
    const [after, before = after] = renders.slice(index * sides.length, (index + 1) * sides.length);
    return present[index].some(Boolean)
      ? compareStack(stack, before, after, warnings)
      : compareStack(stack, undefined, undefined, warnings);
  });
}

export async function runDiff(request: DiffRequest): Promise<DiffRun> {
  const { commit, label } = baseCommit(request.projectDir, request.base);
  const title = `Offline diff: ${label} → working tree`;
  if (workingTreeIsCommit(request.projectDir, commit)) {
    const head = workingTreeRenderer(request.projectDir, newFingerprintKey());
    const stacks = request.stacks.length > 0 ? request.stacks : stacksIn(request.projectDir);
    const warnings: string[] = [];
    return { title, notes: [], warnings, results: await compareStacks(stacks, head, undefined, warnings) };
  }
  const tree: BaseTree = prepareBaseTree(request.projectDir, commit, label);
  try {
    const key = newFingerprintKey();
    const base: Renderer = treeRenderer(tree.renderCli, tree.projectDir, key);
    const head = workingTreeRenderer(request.projectDir, key);
    const stacks =
      request.stacks.length > 0
        ? request.stacks
        : [...new Set([...stacksIn(tree.projectDir), ...stacksIn(request.projectDir)])].sort();
    const notes = tree.buildWarnings
      ? [`Note: some files of the base did not compile; it was rendered without them.`]
      : [];
    const warnings = tree.buildWarnings ? [`Compiling the base:\n${tree.buildWarnings}`] : [];
    return { title, notes, warnings, results: await compareStacks(stacks, head, base, warnings) };
  } finally {
    tree.remove();
  }
}
