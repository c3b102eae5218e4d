/**
 * One Pulumi operation on one stack through the Automation API, with every
 * outside dependency (the environment, the CLI lookup, the workspace) handed
 * in, so the decisions are testable without a CLI, a backend or a cluster.
 */
import * as fs from "fs";
import * as path from "path";
import { CommandError } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { AutomationArgs, parseAutomationArgs, stackFileName, USAGE, UsageError } from "./args";
import { Environment, ensureStateDir, resolveBackend } from "./backend";
import { resolvePassphrase } from "./passphrase";
import { INSTALL_HINT, LocateCli } from "./pulumi-cli";

/** What every operation accepts: where its output goes. */
export interface StreamOptions {
  onOutput: (text: string) => void;
  onError: (text: string) => void;
}

/** The part of an Automation API Stack this command uses. */
export interface StackOperations {
  preview(options: StreamOptions & { diff: boolean }): Promise<unknown>;
  up(options: StreamOptions): Promise<unknown>;
  refresh(options: StreamOptions): Promise<unknown>;
  destroy(options: StreamOptions & { excludeProtected: boolean }): Promise<unknown>;
}

export interface OpenStackRequest {
  stack: string;
  projectDir: string;
  /** The project's name, from its Pulumi.yaml. */
  project: string;
  /** The CLI executable found by the lookup. */
  cli: string;
  /** Passed to every Pulumi command: backend URL, passphrase. */
  envVars: Record<string, string>;
}

export interface AutomationDependencies {
  env: Environment;
  projectDir: string;
  locateCli: LocateCli;
  /** Selects the stack, creating it when it does not exist yet. */
  openStack: (request: OpenStackRequest) => Promise<StackOperations>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

function projectName(projectDir: string): string {
  const project = parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: unknown };
  return String(project.name);
}

function availableStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

function operate(stack: StackOperations, args: AutomationArgs, stream: StreamOptions): Promise<unknown> {
  switch (args.verb) {
    case "preview":
      return stack.preview({ ...stream, diff: true });
    case "up":
      return stack.up(stream);
    case "refresh":
      return stack.refresh(stream);
    case "destroy":
      return stack.destroy({ ...stream, excludeProtected: args.excludeProtected });
  }
}

/**
 * The Pulumi settings of the command's environment (PULUMI_HOME, PULUMI_ACCESS_TOKEN, ...), handed to every
 * CLI call: the CLI sees the environment the command was given, also when that is not this process's own.
 */
function pulumiVariables(env: Environment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[0].startsWith("PULUMI_") && entry[1] !== undefined,
    ),
  );
}

/** The message of an error without its stack trace; the CLI's own output has already been streamed. */
function reason(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export async function runAutomation(argv: string[], deps: AutomationDependencies): Promise<number> {
  let args: AutomationArgs;
  try {
    args = parseAutomationArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.stderr(`${error.message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }

  const stackFile = path.join(deps.projectDir, stackFileName(args.stack));
  if (!fs.existsSync(stackFile)) {
    const stacks = availableStacks(deps.projectDir);
    deps.stderr(
      `There is no ${path.basename(stackFile)}; the stacks of this project are: ${stacks.join(", ") || "none"}.\n`,
    );
    return EXIT_FAILED;
  }

  const cli = deps.locateCli(deps.env);
  if (!cli) {
    deps.stderr(`${INSTALL_HINT}\n`);
    return EXIT_FAILED;
  }

  const backend = resolveBackend(deps.projectDir, deps.env);
  if (backend.warning) deps.stderr(`${backend.warning}\n`);
  const project = projectName(deps.projectDir);
  const passphrase = resolvePassphrase({
    backend,
    env: deps.env,
    project,
    stack: args.stack,
    stackFileText: fs.readFileSync(stackFile, "utf8"),
  });
  if (!passphrase.ok) {
    deps.stderr(`${passphrase.message}\n`);
    return EXIT_FAILED;
  }
  if (passphrase.notice) deps.stderr(`${passphrase.notice}\n`);
  ensureStateDir(backend);
  deps.stderr(
    `Stack ${args.stack} on ${backend.url}: pulumi ${args.verb}${args.verb === "preview" ? " --diff" : ""}` +
      `${args.excludeProtected ? " --exclude-protected" : ""}\n`,
  );

  let stack: StackOperations;
  try {
    stack = await deps.openStack({
      stack: args.stack,
      project,
      projectDir: deps.projectDir,
      cli,
      envVars: { ...pulumiVariables(deps.env), PULUMI_BACKEND_URL: backend.url, ...passphrase.env },
    });
  } catch (error) {
    deps.stderr(`Could not open stack ${args.stack}: ${reason(error)}\n`);
    return EXIT_FAILED;
  }
  try {
    await operate(stack, args, { onOutput: deps.stdout, onError: deps.stderr });
    return 0;
  } catch (error) {
    // A CommandError's message repeats the CLI output that was streamed already.
    const detail = error instanceof CommandError ? " (the CLI's output is above)" : `: ${reason(error)}`;
    deps.stderr(`pulumi ${args.verb} of stack ${args.stack} failed${detail}\n`);
    return EXIT_FAILED;
  }
}
