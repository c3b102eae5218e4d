/**
 * npm run diff -- [--base <ref>] [--stack <name>]... [--format text|markdown] [--exit-code]
 *                 [--output <file>] [--full-output <file>] [--full-diff-link <url>]
 *
 * Exit status: 0 when the diff ran (with --exit-code: and found no changes),
 * 1 with --exit-code when there are changes, 2 on errors.
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../../platform/project-root";
import { checkStackNames, EXIT_USAGE, outputFormat, parseCommandLine, UsageError } from "../command-line";
import { BaseTreeError } from "./base-tree";
import { formatMarkdown, COMMENT_MARKER } from "./format-markdown";
import { formatText } from "./format-text";
import { GitError } from "./git";
import { hasChanges } from "./model";
import { DiffRun, runDiff } from "./run";

const USAGE = `usage: npm run diff -- [--base <git ref>] [--stack <name>]... [--format text|markdown] [--exit-code]
                       [--output <file>] [--full-output <file>] [--full-diff-link <url>]
  --base            compare with this ref (default: the merge-base of HEAD with main)
  --stack           compare only this stack (repeat for more; default: every Pulumi.<stack>.yaml on either side)
  --format          text (default) or markdown, for a pull-request comment under GitHub's size limit
  --exit-code       exit 1 when there are changes, 0 when there are none
  --output          write the diff (the comment, for markdown) to this file instead of stdout
  --full-output     markdown only: where the uncut diff is saved (default: out/diff/full.md)
  --full-diff-link  markdown only: a link to the full diff, named when the comment has to be cut`;

const EXIT_ERROR = 2;

/** Where the diff and its messages go: the process's streams for the CLI, buffers for a caller that reads them. */
export interface DiffIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: DiffIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

interface CliOptions {
  base?: string;
  stacks: string[];
  format: "text" | "markdown";
  exitCode: boolean;
  output?: string;
  fullOutput: string;
  fullDiffLink?: string;
}

class HelpRequested extends Error {}

function parseOptions(argv: string[], root: string): CliOptions {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      base: { type: "string" },
      stack: { type: "string", multiple: true },
      format: { type: "string", default: "text" },
      "exit-code": { type: "boolean", default: false },
      output: { type: "string" },
      "full-output": { type: "string" },
      "full-diff-link": { type: "string" },
      help: { type: "boolean", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) throw new HelpRequested();
  const format = outputFormat(values.format);
  checkStackNames(values.stack ?? []);
  return {
    base: values.base,
    stacks: values.stack ?? [],
    format,
    exitCode: values["exit-code"] ?? false,
    output: values.output,
    fullOutput: path.resolve(values["full-output"] ?? path.join(root, "out", "diff", "full.md")),
    fullDiffLink: values["full-diff-link"],
  };
}

function write(io: DiffIo, file: string | undefined, text: string): void {
  if (!file) {
    io.stdout(text);
    return;
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, text);
}

function displayPath(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

function report(run: DiffRun, options: CliOptions, io: DiffIo): void {
  for (const warning of run.warnings) io.stderr(`${warning}\n`);
  // An error is said on stderr too: stdout carries the diff, which a script may keep as it is.
  for (const result of run.results) {
    if (!result.ok) io.stderr(`diff of ${result.failure.stack} failed:\n${result.failure.message}\n`);
  }
  if (options.format === "text") {
    write(io, options.output, formatText(run.title, run.results, run.notes));
    return;
  }
  const location = options.fullDiffLink ?? `\`${displayPath(options.fullOutput)}\``;
  const markdown = formatMarkdown(run.results, { title: run.title, notes: run.notes, fullDiffLocation: location });
  write(io, options.fullOutput, markdown.full);
  write(io, options.output, markdown.comment);
  const cut = markdown.truncated ? " (the comment was cut to fit GitHub's limit)" : "";
  io.stderr(`full diff: ${displayPath(options.fullOutput)}${cut}\n`);
}

/** A problem that stops the whole diff, in the chosen format, so a pull request still hears about it. */
function reportFailure(message: string, options: CliOptions | undefined, io: DiffIo): void {
  io.stderr(`diff failed: ${message}\n`);
  if (options?.format === "markdown") {
    write(
      io,
      options.output,
      `${COMMENT_MARKER}\n## Offline diff\n\nThe offline diff could not run:\n\n\`\`\`\n${message}\n\`\`\`\n`,
    );
  }
}

/**
 * The diff command: the exit status (0, 1 with --exit-code and changes, 2 on
 * errors), the diff and messages through `io`.
 */
export async function diffCommand(argv: string[], io: DiffIo = processIo): Promise<number> {
  let options: CliOptions | undefined;
  try {
    const root = projectRoot();
    options = parseOptions(argv, root);
    const run = await runDiff({ projectDir: root, base: options.base, stacks: options.stacks });
    report(run, options, io);
    if (run.results.some((result) => !result.ok)) return EXIT_ERROR;
    const changed = run.results.some((result) => result.ok && hasChanges(result.diff));
    return options.exitCode && changed ? 1 : 0;
  } catch (error) {
    if (error instanceof HelpRequested) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof GitError || error instanceof BaseTreeError) {
      reportFailure(error.message, options, io);
      return EXIT_ERROR;
    }
    reportFailure(error instanceof Error ? (error.stack ?? error.message) : String(error), options, io);
    return EXIT_ERROR;
  }
}

if (require.main === module) {
  void diffCommand(process.argv.slice(2)).then((status) => {
    process.exitCode = status;
  });
}
