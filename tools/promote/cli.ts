/**
 * npm run promote -- --from <stack> --to <stack> [--dry-run] [--format text|markdown] [--output <file>]
 *
 * Copies the promotable values (PROMOTABLE_IMAGES) from one stack file to
 * another and prints what that does to the target's offline render.
 * Exit status: 0 done (or nothing to do), 1 refused, 2 usage or other errors.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { decodeProjectConfig } from "../../config/decode";
import { formatProblems, validatePlatformConfig } from "../../config/validate";
import { projectRoot } from "../../platform/project-root";
import { checkStackNames, EXIT_USAGE, outputFormat, parseCommandLine, UsageError } from "../command-line";
import { diffRenders } from "../diff/compare-renders";
import { formatMarkdown, GITHUB_COMMENT_LIMIT } from "../diff/format-markdown";
import { formatText } from "../diff/format-text";
import { StackResult } from "../diff/model";
import { newFingerprintKey, renderStack, workingTreeRenderer } from "../diff/render-runner";
import { readStackConfig, StackFileError } from "../render/stack-config";
import { promotionMarkdown, PromotionReport, promotionText } from "./format";
import { planPromotion, PromotionRefused } from "./plan";
import { StackFileEditError } from "./stack-file";

const USAGE = `usage: npm run promote -- --from <stack> --to <stack> [--dry-run] [--format text|markdown] [--output <file>]
  --dry-run  show what would change; write nothing
  --format   text (default) or markdown (a pull-request body)
  --output   write the report to this file instead of stdout`;

const EXIT_REFUSED = 1;
const EXIT_ERROR = 2;

class Refusal extends Error {}

/** Where the report and messages go: the process's streams for the CLI, buffers for a caller that reads them. */
export interface PromoteIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: PromoteIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

interface Options {
  from: string;
  to: string;
  dryRun: boolean;
  format: "text" | "markdown";
  output?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      format: { type: "string", default: "text" },
      output: { type: "string" },
    },
    allowPositionals: false,
  });
  const { from, to } = values;
  if (!from || !to) throw new UsageError("--from and --to are both required");
  checkStackNames([from, to]);
  if (from === to) throw new UsageError("--from and --to must name different stacks");
  const format = outputFormat(values.format);
  return { from, to, dryRun: values["dry-run"] ?? false, format, output: values.output };
}

function readStackFile(root: string, stack: string): { file: string; text: string } {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) throw new Refusal(`there is no stack file ${path.basename(file)}`);
  return { file, text: fs.readFileSync(file, "utf8") };
}

/** The promoted config must still be a valid config for the target stack. */
function validatePromoted(root: string, stack: string, promotedFile: string): void {
  const source = readStackConfig(root, stack, promotedFile);
  const result = validatePlatformConfig(decodeProjectConfig(source.config));
  if (!result.ok) throw new Refusal(`the promoted config is not valid:\n${formatProblems(stack, result.problems)}`);
}

/**
 * The target's render before and after (rendered side by side), compared; the
 * promotion is refused if the result does not render.
 */
async function renderEffect(root: string, stack: string, promotedFile: string): Promise<StackResult> {
  const renderer = workingTreeRenderer(root, newFingerprintKey());
  const [after, before] = await Promise.all([renderStack(renderer, stack, promotedFile), renderStack(renderer, stack)]);
  if (!after.ok) throw new Refusal(`${stack} does not render with the promoted config: ${after.message}`);
  if (!before.ok) {
    return {
      ok: false,
      failure: { stack, message: `${stack}'s current config does not render, so there is no diff: ${before.message}` },
    };
  }
  return { ok: true, diff: diffRenders(stack, before.render, after.render) };
}

function reportText(report: PromotionReport, effect: StackResult | undefined, options: Options): string {
  const summary = promotionText(report);
  if (!effect) return summary;
  return `${summary}\n${formatText(`Effect on ${options.to}'s offline render:`, [effect])}`;
}

function reportMarkdown(report: PromotionReport, effect: StackResult | undefined, options: Options): string {
  const summary = promotionMarkdown(report);
  if (!effect) return summary;
  const diff = formatMarkdown([effect], {
    title: `Effect on ${options.to}'s offline render`,
    limit: GITHUB_COMMENT_LIMIT - Buffer.byteLength(summary) - 1,
    fullDiffLocation: `the output of \`npm run promote -- --from ${options.from} --to ${options.to} --dry-run\``,
  });
  return `${summary}\n${diff.comment}`;
}

async function promote(options: Options, io: PromoteIo): Promise<void> {
  const root = projectRoot();
  const project = String((parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: unknown }).name);
  const source = readStackFile(root, options.from);
  const target = readStackFile(root, options.to);
  const plan = planPromotion(
    project,
    { stack: options.from, file: path.basename(source.file), text: source.text },
    { stack: options.to, file: path.basename(target.file), text: target.text },
  );

  let effect: StackResult | undefined;
  if (plan.changes.length > 0) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-promote-"));
    try {
      const promotedFile = path.join(scratch, path.basename(target.file));
      fs.writeFileSync(promotedFile, plan.text);
      validatePromoted(root, options.to, promotedFile);
      effect = await renderEffect(root, options.to, promotedFile);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    if (!options.dryRun) fs.writeFileSync(target.file, plan.text);
  }

  const report: PromotionReport = {
    from: options.from,
    to: options.to,
    targetFile: path.basename(target.file),
    plan,
    written: !options.dryRun && plan.changes.length > 0,
  };
  const text =
    options.format === "markdown" ? reportMarkdown(report, effect, options) : reportText(report, effect, options);
  if (options.output) fs.writeFileSync(options.output, text);
  else io.stdout(text);
}

/** The promote command: the exit status (0 done, 1 refused, 2 usage or other errors), its report through `io`. */
export async function promoteCommand(argv: string[], io: PromoteIo = processIo): Promise<number> {
  try {
    await promote(parseOptions(argv), io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof PromotionRefused) {
      io.stderr(`Refusing to promote:\n${error.problems.map((problem) => `  - ${problem}`).join("\n")}\n`);
      return EXIT_REFUSED;
    }
    if (error instanceof Refusal || error instanceof StackFileEditError || error instanceof StackFileError) {
      io.stderr(`Refusing to promote: ${error.message}\n`);
      return EXIT_REFUSED;
    }
    io.stderr(`promote failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  void promoteCommand(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
