/**
 * The passwords the program generates with @pulumi/random, for the targets'
 * writers that deploy a render without Pulumi (components/<target>/offline).
 * A render only has the mocks' stand-in values; these writers generate real
 * ones once, keep them across renders (a kept database volume still expects
 * the password it was initialised with), and rebuild every secret value that
 * was made from them.
 */
import * as crypto from "crypto";
import { GeneratedSecret } from "./model";

/** The file beside the render that keeps the passwords (mode 0600): KEY='value' lines, which Compose also reads. */
export const SECRETS_FILE = ".env";

/** A piece of a secret value: literal text, or a generated password by its variable. */
export type SecretPart = { literal: string } | { generated: string };

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The variable name a generated password takes in the secrets file. */
export function generatedVariable(resource: string): string {
  return resource.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
}

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

/** Splits a secret's mock value around the generated passwords it contains; undefined when it holds none. */
export function secretParts(value: string, generated: GeneratedSecret[]): SecretPart[] | undefined {
  const parts: SecretPart[] = [];
  let rest = value;
  let found = false;
  while (rest.length > 0) {
    const next = generated
      .map((secret) => ({ secret, at: rest.indexOf(secret.mockValue) }))
      .filter((candidate) => candidate.at >= 0)
      .sort((a, b) => a.at - b.at)[0];
    if (!next) {
      parts.push({ literal: rest });
      break;
    }
    found = true;
    if (next.at > 0) parts.push({ literal: rest.slice(0, next.at) });
    parts.push({ generated: generatedVariable(next.secret.resource) });
    rest = rest.slice(next.at + next.secret.mockValue.length);
  }
  return found ? parts : undefined;
}

/** Passwords by variable (sorted): the kept ones from an earlier secrets file, new ones where missing. */
export function keptPasswords(generated: Record<string, number>, existing: string | undefined): Map<string, string> {
  const kept = parseSecretsFile(existing ?? "");
  const passwords = new Map<string, string>();
  for (const [variable, length] of Object.entries(generated).sort(([a], [b]) => a.localeCompare(b))) {
    passwords.set(variable, kept.get(variable) ?? generatePassword(length));
  }
  return passwords;
}

/** The generated passwords a render needs: variable -> length. */
export function generatedLengths(secrets: GeneratedSecret[]): Record<string, number> {
  return Object.fromEntries(secrets.map((secret) => [generatedVariable(secret.resource), secret.length]));
}

/** A secret value rebuilt from its parts with the real passwords. */
export function assembleSecret(parts: SecretPart[], passwords: Map<string, string>, what: string): string {
  return parts
    .map((part) => {
      if ("literal" in part) return part.literal;
      const password = passwords.get(part.generated);
      if (password === undefined) throw new Error(`${what} uses unknown password ${part.generated}`);
      return password;
    })
    .join("");
}

/** The password lines of a secrets file, with the comment that says they are kept. */
export function passwordLines(passwords: Map<string, string>): string[] {
  return [
    "# Generated passwords: created once, kept on every render. Changing one changes the secrets made from it on the next render.",
    ...[...passwords].map(([variable, value]) => `${variable}='${value}'`),
  ];
}
