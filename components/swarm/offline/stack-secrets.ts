/**
 * The files beside docker-stack.yml: `.env` (mode 0600) with the generated
 * passwords, created once and kept across renders; each Swarm secret's file
 * (mode 0600), assembled from them on every render; each Swarm config's file.
 */
import * as fs from "fs";
import * as path from "path";
import { assembleSecret, keptPasswords, passwordLines, SECRETS_FILE } from "../../../tools/render/generated-passwords";
import { StackProject } from "./stack-file";

export function writeStackFiles(project: StackProject, folder: string, existingSecrets: string | undefined): void {
  const passwords = keptPasswords(project.generated, existingSecrets);
  fs.writeFileSync(path.join(folder, SECRETS_FILE), `${passwordLines(passwords).join("\n")}\n`, { mode: 0o600 });
  for (const secret of project.secretFiles) {
    const file = path.join(folder, secret.file);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, assembleSecret(secret.parts, passwords, `secret file ${secret.file}`), { mode: 0o600 });
  }
  for (const [relative, content] of Object.entries(project.configFiles)) {
    const file = path.join(folder, relative);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}
