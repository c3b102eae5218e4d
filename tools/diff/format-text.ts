/**
 * A stack diff as plain text lines: "+" for a new resource, "-" for a deleted
 * one, "~" for a changed one, "+-" for one the provider replaces (deletes and
 * creates anew), each changed property as "path: old → new", those that force
 * the replacement marked so.
 */
import { align } from "./align";
import { countChanges, PropertyChange, ResourceChange, StackDiff, StackResult } from "./model";
import { formatPath } from "./properties";
import { isMaskedSecret, isMultiline, showValue } from "./values";

/** Changed lines shown for one multi-line value (a script, a config file) before the rest is counted. */
const MAX_LINES_PER_VALUE = 60;

function plural(count: number, word: string): string {
  return `${count} ${word}`;
}

export function summaryOf(diff: StackDiff): string {
  const counts = countChanges(diff);
  return [
    plural(counts.add, "to add"),
    plural(counts.change, "to change"),
    // Said whenever there is one, and only then, so the common summary stays short.
    ...(counts.replace > 0 ? [plural(counts.replace, "to replace")] : []),
    plural(counts.remove, "to remove"),
    plural(diff.unchanged, "unchanged"),
  ].join(", ");
}

export function stackHeading(diff: StackDiff): string {
  if (diff.targetBefore === undefined) return `Stack ${diff.stack} (new, ${diff.targetAfter} target)`;
  if (diff.targetAfter === undefined) return `Stack ${diff.stack} (deleted; was ${diff.targetBefore} target)`;
  if (diff.targetBefore !== diff.targetAfter) {
    return `Stack ${diff.stack} (target ${diff.targetBefore} → ${diff.targetAfter})`;
  }
  return `Stack ${diff.stack} (${diff.targetAfter} target)`;
}

/** Only the changed lines of a multi-line text, in hunks that say where they are. */
function lineDiff(before: string, after: string, indent: string): string[] {
  const [old, current] = [before.split("\n"), after.split("\n")];
  const output: string[] = [];
  // Hunks are located by line number in the new text; a removal sits before the next line kept.
  let nextLine = 0;
  let lastShown = -2;
  for (const step of align(old, current, (a, b) => a === b)) {
    const at = step.kind === "removed" ? nextLine : step.after;
    if (step.kind !== "removed") nextLine = step.after + 1;
    if (step.kind === "same") continue;
    if (at > lastShown + 1) output.push(`${indent}@@ line ${at + 1}`);
    lastShown = at;
    if (step.kind === "changed" || step.kind === "removed") output.push(`${indent}- ${old[step.before]}`);
    if (step.kind === "changed" || step.kind === "added") output.push(`${indent}+ ${current[step.after]}`);
  }
  if (output.length <= MAX_LINES_PER_VALUE) return output;
  return [
    ...output.slice(0, MAX_LINES_PER_VALUE),
    `${indent}… ${output.length - MAX_LINES_PER_VALUE} more changed lines`,
  ];
}

function propertyLabel(change: PropertyChange): string {
  const path = formatPath(change.path) || "(value)";
  return change.scope === "option" ? `option ${path}` : path;
}

export function propertyLines(change: PropertyChange, indent: string): string[] {
  const label = propertyLabel(change);
  const { before, after } = change;
  const replaces = change.replaces ? " (forces replacement)" : "";
  if (isMaskedSecret(before) && isMaskedSecret(after)) {
    return [
      `${indent}${label}: ${showValue(before)} → ${showValue(after)} (secret value changed; not shown)${replaces}`,
    ];
  }
  if (isMultiline(before) && isMultiline(after)) {
    return [`${indent}${label}:${replaces}`, ...lineDiff(before, after, `${indent}  `)];
  }
  return [`${indent}${label}: ${showValue(before)} → ${showValue(after)}${replaces}`];
}

const SIGN = { add: "+", change: "~", replace: "+-", remove: "-" } as const;

/** What a replacement means; a protected resource cannot be deleted, so the update stops at it. */
function replacementNote(resource: ResourceChange): string {
  return resource.protected
    ? " (replaced: deleted and created anew; it is protected, so pulumi up stops here)"
    : " (replaced: deleted and created anew)";
}

export function resourceLines(resource: ResourceChange): string[] {
  const note = resource.action === "replace" ? replacementNote(resource) : "";
  const heading = `${SIGN[resource.action]} ${resource.displayName}${note}`;
  if (resource.action === "remove") return [heading];
  if (resource.action === "add") {
    return [
      heading,
      ...resource.properties.map((change) => `    ${propertyLabel(change)}: ${showValue(change.after)}`),
    ];
  }
  return [heading, ...resource.properties.flatMap((change) => propertyLines(change, "    "))];
}

/** The body of one stack's diff, without its heading. */
export function stackBodyLines(diff: StackDiff): string[] {
  const lines = diff.resources.flatMap(resourceLines);
  if (diff.outputs.length > 0) {
    lines.push("Outputs:", ...diff.outputs.flatMap((change) => propertyLines(change, "    ")));
  }
  return lines;
}

export function formatStackText(result: StackResult): string {
  if (!result.ok) return `Stack ${result.failure.stack}: could not be compared\n${result.failure.message}\n`;
  const { diff } = result;
  const notes = (diff.notes ?? []).map((note) => `  ${note}`);
  const lines = [`${stackHeading(diff)}: ${summaryOf(diff)}`, ...notes, ...stackBodyLines(diff)];
  return `${lines.join("\n")}\n`;
}

/** The whole diff as plain text; `title` says what was compared with what. */
export function formatText(title: string, results: StackResult[], notes: string[] = []): string {
  return [title, ...notes, "", ...results.map(formatStackText)].join("\n");
}
