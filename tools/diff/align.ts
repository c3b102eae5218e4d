/**
 * Lines up two sequences (list items, lines of a file) so that an insertion
 * shows as one addition instead of a change to everything after it.
 */

export type Step =
  | { kind: "same"; before: number; after: number }
  /** Items at the same place in a run of differences: shown as one changed item. */
  | { kind: "changed"; before: number; after: number }
  | { kind: "removed"; before: number }
  | { kind: "added"; after: number };

/** Above this many comparisons the alignment falls back to position by position. */
const MAX_CELLS = 4_000_000;

function byPosition(beforeLength: number, afterLength: number): Step[] {
  const steps: Step[] = [];
  for (let index = 0; index < Math.max(beforeLength, afterLength); index++) {
    if (index < beforeLength && index < afterLength) steps.push({ kind: "changed", before: index, after: index });
    else if (index < beforeLength) steps.push({ kind: "removed", before: index });
    else steps.push({ kind: "added", after: index });
  }
  return steps;
}

/** Turns one run of unmatched items into changes (paired by position), then removals or additions. */
function gap(before: [number, number], after: [number, number]): Step[] {
  const steps: Step[] = [];
  const paired = Math.min(before[1] - before[0], after[1] - after[0]);
  for (let offset = 0; offset < paired; offset++) {
    steps.push({ kind: "changed", before: before[0] + offset, after: after[0] + offset });
  }
  for (let index = before[0] + paired; index < before[1]; index++) steps.push({ kind: "removed", before: index });
  for (let index = after[0] + paired; index < after[1]; index++) steps.push({ kind: "added", after: index });
  return steps;
}

/** A longest-common-subsequence alignment; `same` decides which items match. */
export function align<T>(before: T[], after: T[], same: (a: T, b: T) => boolean): Step[] {
  const [n, m] = [before.length, after.length];
  if (n * m > MAX_CELLS) {
    return byPosition(n, m).map((step) =>
      step.kind === "changed" && same(before[step.before], after[step.after]) ? { ...step, kind: "same" } : step,
    );
  }
  // lengths[i][j]: longest common subsequence of before[i..] and after[j..].
  const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i][j] = same(before[i], after[j])
        ? lengths[i + 1][j + 1] + 1
        : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const steps: Step[] = [];
  let [i, j, gapStart] = [0, 0, [0, 0] as [number, number]];
  while (i < n && j < m) {
    if (same(before[i], after[j]) && lengths[i][j] === lengths[i + 1][j + 1] + 1) {
      steps.push(...gap([gapStart[0], i], [gapStart[1], j]), { kind: "same", before: i, after: j });
      i++;
      j++;
      gapStart = [i, j];
    } else if (lengths[i + 1][j] >= lengths[i][j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  steps.push(...gap([gapStart[0], n], [gapStart[1], m]));
  return steps;
}
