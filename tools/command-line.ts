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

/** Stack names must be usable in a Pulumi.<stack>.yaml file name and nothing more (no paths). */
export function checkStackNames(stacks: string[]): void {
  for (const stack of stacks) {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`"${stack}" is not a stack name`);
  }
}

/** Says what is wrong with the command line, then how to use the tool; returns the exit status. */
export function reportUsageError(error: Error, usage: string): number {
  process.stderr.write(`${error.message}\n${usage}\n`);
  return EXIT_USAGE;
}
