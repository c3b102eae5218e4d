/** The command line of the Automation API command: `<verb> <stack> [--yes] [--exclude-protected]`. */
import { STACK_NAME_RULE, stackNameProblem } from "../command-line";

export const VERBS = ["up", "preview", "refresh", "destroy"] as const;
export type Verb = (typeof VERBS)[number];

export interface AutomationArgs {
  verb: Verb;
  /** A stack name as Pulumi takes it: "dev", or "org/dev" / "org/project/dev" on a shared backend. */
  stack: string;
  /** destroy asks for it explicitly: it deletes every resource the stack manages. */
  yes: boolean;
  /** destroy only: leave the protected resources (storage, the database password) in place and in the state. */
  excludeProtected: boolean;
}

export const USAGE = `usage: npm run <up|preview|refresh|destroy> -- <stack> [--yes] [--exclude-protected]
  up        deploy the stack (creates it on first use)
  preview   show what up would change, property by property
  refresh   update the stack's state from what really exists
  destroy   delete every resource of the stack; needs --yes; with --exclude-protected,
            keeps the protected storage and the password that opens it`;

export class UsageError extends Error {}

const KNOWN_FLAGS = ["--yes", "--exclude-protected"];

export function parseAutomationArgs(argv: string[]): AutomationArgs {
  const flags = argv.filter((arg) => arg.startsWith("-"));
  const positionals = argv.filter((arg) => !arg.startsWith("-"));
  const unknown = flags.filter((flag) => !KNOWN_FLAGS.includes(flag));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(", ")}`);
  const [verb, stack, ...extra] = positionals;
  if (verb === undefined) throw new UsageError("missing the command");
  if (!(VERBS as readonly string[]).includes(verb)) {
    throw new UsageError(`unknown command "${verb}"; expected one of ${VERBS.join(", ")}`);
  }
  if (stack === undefined) throw new UsageError(`missing the stack to ${verb}, e.g. dev`);
  const parts = stack.split("/");
  if (parts.length > 3 || parts.some((part) => stackNameProblem(part) !== undefined)) {
    throw new UsageError(`"${stack}" is not a stack name: [org/[project/]]stack, where ${STACK_NAME_RULE}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument(s): ${extra.join(" ")}`);
  const yes = flags.includes("--yes");
  if (verb === "destroy" && !yes) {
    throw new UsageError(`destroy deletes every resource of stack ${stack}; add --yes to confirm`);
  }
  const excludeProtected = flags.includes("--exclude-protected");
  if (excludeProtected && verb !== "destroy") {
    throw new UsageError(`--exclude-protected belongs to destroy, not ${verb}`);
  }
  return { verb: verb as Verb, stack, yes, excludeProtected };
}

/** The stack file Pulumi reads for a stack: Pulumi.<last part of the name>.yaml. */
export function stackFileName(stack: string): string {
  return `Pulumi.${stack.split("/").pop()}.yaml`;
}
