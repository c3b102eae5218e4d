/** A promotion's summary, as terminal text or as a pull-request body. */
import { PromotionPlan } from "./plan";

export interface PromotionReport {
  from: string;
  to: string;
  targetFile: string;
  plan: PromotionPlan;
  /** What happened to the target file: written, or left alone by --dry-run. */
  written: boolean;
}

function mapping(notes: string[]): string {
  return notes.length > 0 ? ` (${notes.join("; ")})` : "";
}

export function promotionText(report: PromotionReport): string {
  const { from, to, targetFile, plan } = report;
  const lines = [`Promotion ${from} → ${to} (${targetFile})`];
  if (plan.changes.length === 0) {
    lines.push(`  nothing to promote: ${to} already runs ${from}'s images`);
  }
  for (const change of plan.changes) {
    lines.push(`  ${change.configKey}: ${change.before} → ${change.after}${mapping(change.notes)}`);
  }
  if (plan.unchanged.length > 0) lines.push(`  already the same: ${plan.unchanged.join(", ")}`);
  if (plan.changes.length > 0) {
    lines.push(report.written ? `Wrote ${targetFile}.` : `Dry run: ${targetFile} was not changed.`);
  }
  return `${lines.join("\n")}\n`;
}

export function promotionMarkdown(report: PromotionReport): string {
  const { from, to, targetFile, plan } = report;
  const lines = [`## Promote \`${from}\` → \`${to}\``, ""];
  if (plan.changes.length === 0) {
    lines.push(`Nothing to promote: \`${to}\` already runs \`${from}\`'s images.`, "");
    return lines.join("\n");
  }
  lines.push(`Changes to \`${targetFile}\`:`, "", `| Key | ${to} now | promoted | |`, "|---|---|---|---|");
  for (const change of plan.changes) {
    lines.push(`| \`${change.configKey}\` | \`${change.before}\` | \`${change.after}\` | ${change.notes.join("; ")} |`);
  }
  lines.push("");
  if (plan.unchanged.length > 0)
    lines.push(`Already the same: ${plan.unchanged.map((key) => `\`${key}\``).join(", ")}.`, "");
  return lines.join("\n");
}
