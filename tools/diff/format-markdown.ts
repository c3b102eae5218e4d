/**
 * The diff as a pull-request comment: a summary table, then each stack's
 * changes in a ```diff block (GitHub colours "+" and "-" lines). GitHub
 * refuses comments over 65,536 characters, so the comment is cut to fit and
 * points at the full version, which the caller saves.
 */
import { countChanges, StackResult } from "./model";
import { stackBodyLines, stackHeading, summaryOf } from "./format-text";

/** GitHub's limit for a comment body. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The hidden line that marks the sticky comment, so the next run edits it instead of adding one. */
export const COMMENT_MARKER = "<!-- ml-platform:offline-diff -->";

export interface MarkdownOptions {
  title: string;
  notes?: string[];
  /** Where the full diff is kept (a path or a link), named in the note when the comment is cut. */
  fullDiffLocation?: string;
  /** Defaults to GitHub's limit; measured in UTF-8 bytes, which is never less than characters. */
  limit?: number;
}

export interface MarkdownDiff {
  comment: string;
  full: string;
  truncated: boolean;
}

/** A code fence longer than any run of backticks in the text, so the text cannot close it. */
function fenceFor(lines: string[]): string {
  let longest = 2;
  for (const line of lines) {
    for (const run of line.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  }
  return "`".repeat(longest + 1);
}

function summaryTable(results: StackResult[]): string[] {
  const rows = results.map((result) => {
    if (!result.ok) return `| \`${result.failure.stack}\` | — | — | — | — | — | could not be compared |`;
    const { diff } = result;
    const counts = countChanges(diff);
    const target =
      diff.targetBefore === diff.targetAfter
        ? diff.targetAfter
        : `${diff.targetBefore ?? "—"} → ${diff.targetAfter ?? "—"}`;
    const outputs = diff.outputs.length > 0 ? `${diff.outputs.length} output(s) changed` : "";
    return `| \`${diff.stack}\` | ${target} | ${counts.add} | ${counts.change} | ${counts.replace} | ${counts.remove} | ${outputs} |`;
  });
  return ["| Stack | Target | Add | Change | Replace | Remove | |", "|---|---|---:|---:|---:|---:|---|", ...rows];
}

/** One stack's part of the comment: a heading kept whole, and code lines that may be cut. */
interface Section {
  heading: string[];
  code: string[];
}

function sectionOf(result: StackResult): Section {
  if (!result.ok) {
    const code = result.failure.message.split("\n");
    return { heading: [`### \`${result.failure.stack}\`: could not be compared`, ""], code };
  }
  const { diff } = result;
  const notes = (diff.notes ?? []).flatMap((note) => [`> ${note}`, ""]);
  const heading = [`### ${stackHeading(diff)}`, "", summaryOf(diff), "", ...notes];
  return { heading, code: stackBodyLines(diff) };
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function render(title: string, notes: string[], results: StackResult[], sections: Section[], cutNote?: string): string {
  const parts = [
    COMMENT_MARKER,
    `## ${title}`,
    "",
    ...notes.flatMap((note) => [note, ""]),
    ...summaryTable(results),
    "",
  ];
  for (const section of sections) {
    parts.push(...section.heading);
    if (section.code.length > 0) {
      const fence = fenceFor(section.code);
      parts.push(`${fence}diff`, ...section.code, fence, "");
    }
  }
  if (cutNote) parts.push(cutNote, "");
  return parts.join("\n");
}

export function formatMarkdown(results: StackResult[], options: MarkdownOptions): MarkdownDiff {
  const limit = options.limit ?? GITHUB_COMMENT_LIMIT;
  const notes = options.notes ?? [];
  const sections = results.map(sectionOf);
  const full = render(options.title, notes, results, sections);
  if (bytes(full) <= limit) return { comment: full, full, truncated: false };

  const where = options.fullDiffLocation ? ` The full diff is in ${options.fullDiffLocation}.` : "";
  const cutNote = `> **The diff is too long for one comment (${full.length.toLocaleString("en-US")} characters); it is cut here.**${where}`;
  // Keep whole sections while they fit, then as many code lines of the next one as fit.
  const kept: Section[] = [];
  const fits = (candidate: Section[]) => bytes(render(options.title, notes, results, candidate, cutNote)) <= limit;
  for (const section of sections) {
    if (fits([...kept, section])) {
      kept.push(section);
      continue;
    }
    const partial: Section = { heading: section.heading, code: [] };
    if (!fits([...kept, partial])) break;
    // Binary search for the number of code lines that still fit.
    let [low, high] = [0, section.code.length];
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      const attempt = { ...partial, code: [...section.code.slice(0, middle), "…"] };
      if (fits([...kept, attempt])) low = middle;
      else high = middle - 1;
    }
    kept.push({ ...partial, code: low > 0 ? [...section.code.slice(0, low), "…"] : [] });
    break;
  }
  return { comment: render(options.title, notes, results, kept, cutNote), full, truncated: true };
}
