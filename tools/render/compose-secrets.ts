/**
 * The secrets file beside compose.yaml (`.env`, mode 0600), which Compose
 * reads by itself. It holds the generated passwords, created once and kept
 * across renders, because a kept database volume still expects the password
 * it was initialised with, and the secret files assembled from them, written
 * anew on every render so they follow the plan.
 */
import * as crypto from "crypto";
import { ComposeProject } from "./compose";

export const SECRETS_FILE = ".env";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Letters and digits only, like the program's RandomPassword (special: false): safe unescaped in URLs. */
export function generatePassword(length: number): string {
  let password = "";
  while (password.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      // Rejection sampling keeps every character equally likely.
      if (byte < 248 && password.length < length) password += ALPHANUMERIC[byte % ALPHANUMERIC.length];
    }
  }
  return password;
}

/** KEY='value' lines; values are single-quoted so Compose takes them literally. */
export function parseSecretsFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Z0-9_]+)='([^']*)'$/.exec(line.trim());
    if (match) values.set(match[1], match[2]);
  }
  return values;
}

/** The new secrets file: kept passwords, new ones where missing, secret files assembled from them. */
export function secretsFileText(project: ComposeProject, existing: string | undefined): string {
  const kept = parseSecretsFile(existing ?? "");
  const passwords = new Map<string, string>();
  for (const [variable, length] of Object.entries(project.generated).sort(([a], [b]) => a.localeCompare(b))) {
    passwords.set(variable, kept.get(variable) ?? generatePassword(length));
  }
  const lines = [
    "# Generated passwords: created once, kept on every render. Changing one changes the secrets below on the next render.",
    ...[...passwords].map(([variable, value]) => `${variable}='${value}'`),
    "# Secret files, assembled from the passwords above on every render.",
  ];
  for (const file of project.secretFiles) {
    const value = file.parts
      .map((part) => {
        if ("literal" in part) return part.literal;
        const password = passwords.get(part.generated);
        if (password === undefined)
          throw new Error(`secret file ${file.variable} uses unknown password ${part.generated}`);
        return password;
      })
      .join("");
    if (value.includes("'") || value.includes("\n"))
      throw new Error(
        `secret file ${file.variable} cannot be written to ${SECRETS_FILE}: it contains a quote or a newline`,
      );
    lines.push(`${file.variable}='${value}'`);
  }
  return `${lines.join("\n")}\n`;
}
