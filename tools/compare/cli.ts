/**
 * npm run compare -- <stackA> <stackB> [--all] [--format text|markdown]
 *
 * Shows, workload by workload, where two stacks differ. Exit status: 0 done,
 * 1 a stack's config is missing or invalid, 2 usage.
 */
import { parseArgs } from "util";
import { ConfigError } from "../../config/load";
import { projectRoot } from "../../platform/project-root";
import { StackFileError } from "../render/stack-config";
import { compareFacts, comparisonMarkdown, comparisonText } from "./compare";
import { workloadFacts } from "./facts";
import { describeStack, StackDescriptionError } from "./load";

const USAGE = `usage: npm run compare -- <stackA> <stackB> [--all] [--format text|markdown]
  --all     show every property, not only those that differ`;

class UsageError extends Error {}

function parseOptions(argv: string[]): { a: string; b: string; all: boolean; format: "text" | "markdown" } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { all: { type: "boolean", default: false }, format: { type: "string", default: "text" } },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (positionals.length !== 2) throw new UsageError(`expected two stacks, got ${positionals.length}`);
  if (values.format !== "text" && values.format !== "markdown") {
    throw new UsageError(`--format must be text or markdown, not "${values.format}"`);
  }
  for (const stack of positionals)
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`"${stack}" is not a stack name`);
  return { a: positionals[0], b: positionals[1], all: values.all ?? false, format: values.format };
}

function main(argv: string[]): number {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const root = projectRoot();
    const [a, b] = [describeStack(root, options.a), describeStack(root, options.b)];
    const comparison = compareFacts(a.stack, workloadFacts(a), b.stack, workloadFacts(b));
    const format = options.format === "markdown" ? comparisonMarkdown : comparisonText;
    process.stdout.write(format(comparison, options.all));
    return 0;
  } catch (error) {
    if (error instanceof StackDescriptionError || error instanceof StackFileError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
