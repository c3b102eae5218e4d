/**
 * Runs a project copy's compiled tool (diff, promote) through the command
 * function its CLI exports, in the test process's command thread instead of
 * a process of its own: the same code and the same outcome (exit status,
 * stdout, stderr) without starting Node and loading the SDK per run. Each
 * tool keeps a test that runs its real CLI process, so the entry point stays
 * covered.
 */
import * as path from "path";
import { runCommandInThread } from "../../support/command-thread";
import { ProjectCopy } from "./project-copy";

const COMMANDS = { diff: "diffCommand", promote: "promoteCommand" } as const;

export interface ToolRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function runToolInThread(copy: ProjectCopy, name: keyof typeof COMMANDS, args: string[]): ToolRun {
  return runCommandInThread(path.join(copy.dir, "dist", "tools", name, "cli.js"), COMMANDS[name], args);
}
