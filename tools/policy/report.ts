/** Prints policy findings the way `pulumi preview` lists violations: level, policy, resource, message. */
import { Finding } from "./evaluate";

export function formatFindings(stack: string, findings: Finding[]): string {
  if (findings.length === 0) return `policies: ${stack} has no violations\n`;
  const mandatoryCount = findings.filter((finding) => finding.level === "mandatory").length;
  const advisoryCount = findings.length - mandatoryCount;
  const ordered = [...findings].sort(
    (a, b) =>
      (a.level === b.level ? 0 : a.level === "mandatory" ? -1 : 1) ||
      a.policy.localeCompare(b.policy) ||
      a.urn.localeCompare(b.urn),
  );
  const lines = ordered.map(
    (finding) => `  - [${finding.level}] ${finding.policy}  ${finding.urn}\n      ${finding.message}`,
  );
  return `policies: ${stack} has ${mandatoryCount} mandatory and ${advisoryCount} advisory violation(s):\n${lines.join("\n")}\n`;
}
