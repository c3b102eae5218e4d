/**
 * The command-line conventions the stack tools (diff, promote, compare)
 * share, so they parse options, take stack names and formats, and answer a
 * command line they cannot act on in one way: the message, the usage, exit 2.
 */
import { parseArgs, ParseArgsConfig } from "util";

/** A command line the tool cannot act on. */
export class UsageError extends Error {}

/** The exit status for a command line the tool cannot act on. */
export const EXIT_USAGE = 2;

/** util.parseArgs, with its complaints (unknown or malformed options) as UsageErrors. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The value of --format, which every tool takes as text or markdown. */
export function outputFormat(value: string | undefined): "text" | "markdown" {
  if (value !== "text" && value !== "markdown") {
    throw new UsageError(`--format must be text or markdown, not "${value}"`);
  }
  return value;
}

/** What a stack name may be, as the tools say it when they refuse one. */
export const STACK_NAME_RULE = "a stack name is letters, digits, '.', '_' and '-', and not only dots";

/**
 * Why `stack` is not a stack name, or undefined when it is one. Stack names
 * become file and folder names (Pulumi.<stack>.yaml, <out>/<stack>), so they
 * may be nothing more: no separators, and not "." or "..", which name a
 * folder that already exists.
 */
export function stackNameProblem(stack: string): string | undefined {
  if (/^[A-Za-z0-9_.-]+$/.test(stack) && !/^\.+$/.test(stack)) return undefined;
  return `${JSON.stringify(stack)} is not a stack name: ${STACK_NAME_RULE}`;
}

/** Refuses every name in `stacks` that is not a stack name, all of them in one message. */
export function checkStackNames(stacks: string[]): void {
  const problems = stacks.map(stackNameProblem).filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
}

/** Says what is wrong with the command line, then how to use the tool; returns the exit status. */
export function reportUsageError(error: Error, usage: string): number {
  process.stderr.write(`${error.message}\n${usage}\n`);
  return EXIT_USAGE;
}
