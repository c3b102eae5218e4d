/**
 * The secrets file beside compose.yaml (`.env`, mode 0600), which Compose
 * reads by itself. It holds the generated passwords, created once and kept
 * across renders, and the secret files assembled from them, written anew on
 * every render so they follow the plan.
 */
import { ComposeProject } from "./compose";
import { assembleSecret, keptPasswords, passwordLines } from "../../../tools/render/generated-passwords";

/** The new secrets file: kept passwords, new ones where missing, secret files assembled from them. */
export function secretsFileText(project: ComposeProject, existing: string | undefined): string {
  const passwords = keptPasswords(project.generated, existing);
  const lines = [...passwordLines(passwords), "# Secret files, assembled from the passwords above on every render."];
  for (const file of project.secretFiles) {
    const value = assembleSecret(file.parts, passwords, `secret file ${file.variable}`);
    if (value.includes("'") || value.includes("\n"))
      throw new Error(`secret file ${file.variable} cannot be written to .env: it contains a quote or a newline`);
    lines.push(`${file.variable}='${value}'`);
  }
  return `${lines.join("\n")}\n`;
}
