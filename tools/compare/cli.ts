/**
 * npm run compare -- <stackA> <stackB> [--all] [--format text|markdown]
 *
 * Shows, workload by workload, where two stacks differ. Exit status: 0 done,
 * 1 a stack's config is missing or invalid, 2 usage.
 */
import { projectRoot } from "../../platform/project-root";
import { checkStackNames, outputFormat, parseCommandLine, reportUsageError, UsageError } from "../command-line";
import { StackFileError } from "../render/stack-config";
import { compareFacts, comparisonMarkdown, comparisonText } from "./compare";
import { workloadFacts } from "./facts";
import { describeStack, StackDescriptionError } from "./load";

const USAGE = `usage: npm run compare -- <stackA> <stackB> [--all] [--format text|markdown]
  --all     show every property, not only those that differ`;

function parseOptions(argv: string[]): { a: string; b: string; all: boolean; format: "text" | "markdown" } {
  const { positionals, values } = parseCommandLine({
    args: argv,
    options: { all: { type: "boolean", default: false }, format: { type: "string", default: "text" } },
    allowPositionals: true,
  });
  if (positionals.length !== 2) throw new UsageError(`expected two stacks, got ${positionals.length}`);
  const format = outputFormat(values.format);
  checkStackNames(positionals);
  return { a: positionals[0], b: positionals[1], all: values.all ?? false, format };
}

function main(argv: string[]): number {
  let options;
  try {
    options = parseOptions(argv);
  } catch (error) {
    return reportUsageError(error as Error, USAGE);
  }
  try {
    const root = projectRoot();
    const [a, b] = [describeStack(root, options.a), describeStack(root, options.b)];
    const comparison = compareFacts(a.stack, workloadFacts(a), b.stack, workloadFacts(b));
    const format = options.format === "markdown" ? comparisonMarkdown : comparisonText;
    process.stdout.write(format(comparison, options.all));
    return 0;
  } catch (error) {
    if (error instanceof StackDescriptionError || error instanceof StackFileError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
