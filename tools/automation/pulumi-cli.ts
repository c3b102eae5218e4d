/**
 * Finding the Pulumi CLI, which the Automation API drives but does not ship
 * (it is not on npm either). Looked up on PATH and where Pulumi's installer
 * puts it, so a fresh install works before the shell is reopened.
 */
import * as fs from "fs";
import * as path from "path";
import { Environment } from "./backend";

export const INSTALL_HINT = [
  "The Pulumi CLI was not found on PATH or in ~/.pulumi/bin. The Automation API drives the CLI, so install it first:",
  "  curl -fsSL https://get.pulumi.com | sh        # Linux, macOS (installs into ~/.pulumi/bin)",
  "  brew install pulumi/tap/pulumi                # macOS, Linux with Homebrew",
  "then run this command again. Everything that needs no CLI works without it: npm run render, diff, compare, promote.",
].join("\n");

/** Finds the CLI's executable for an environment, or undefined when there is none. */
export type LocateCli = (env: Environment) => string | undefined;

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export const locatePulumiCli: LocateCli = (env) => {
  const executable = process.platform === "win32" ? "pulumi.exe" : "pulumi";
  const directories = (env.PATH ?? "").split(path.delimiter).filter((directory) => directory !== "");
  if (env.HOME) directories.push(path.join(env.HOME, ".pulumi", "bin"));
  return directories.map((directory) => path.join(directory, executable)).find(isExecutable);
};
