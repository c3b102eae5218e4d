/**
 * npm run render -- --stack <name> [--stack <name>...] [--config <file>] [--out <dir>]
 *                   [--previous-outputs <file>] [--secret-sentinels] [--registrations-log <file>]
 *
 * Evaluates the program offline under Pulumi's mock runtime, checks the result
 * against the policy pack's rules and writes it. A mandatory policy violation
 * fails the render and nothing is written. A second stack on the command line
 * renders in a process of its own because the runtime is global.
 *
 * --previous-outputs   the stack outputs of a previous run (a JSON object, or a
 *                      render's resources.json), as the program's StackReference
 *                      to its own stack reads them
 * --secret-sentinels   generated passwords and secure config values become
 *                      SECRET_SENTINEL fakes, written unmasked, to trace leaks
 * --registrations-log  appends every registration to a file as it happens
 *
 * renderCommand is the whole command as a function (arguments in, exit status
 * out, output through `io`), so tests and tools can run a render without
 * starting a process and loading the SDK again; running this file as a
 * script is the CLI.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as pulumi from "@pulumi/pulumi";
import { settingsFromConfig } from "../../policy/settings";
import { projectRoot } from "../../platform/project-root";
import { evaluatePolicies, mandatory, RENDER_SECRET_MASK } from "../policy/evaluate";
import { formatFindings } from "../policy/report";
import { MockOptions, SECRET_SENTINEL, sentinelFor } from "./mocks";
import { SECRET_FINGERPRINT_KEY_VARIABLE } from "./model";
import { renderInProcess } from "./run";
import { readStackConfig, StackConfigSource, StackFileError } from "./stack-config";
import { stackNameProblem } from "../command-line";
import { targetOfflineRender } from "./target-offline";
import { ownedRenderFolder, RenderOutputError, writeRender } from "./write";

const USAGE =
  "usage: npm run render -- --stack <name> [--stack <name>...] [--config <file>] [--out <dir>] [--previous-outputs <file>] [--secret-sentinels] [--registrations-log <file>]";

/** Where a render's messages go: the process's streams for the CLI, buffers for a caller that reads them. */
export interface RenderIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: RenderIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** What a caller in the same process hands over instead of through the environment. */
export interface RenderSettings {
  /** The key secrets are fingerprinted with (a comparing tool's, shared by both sides); default: the environment's. */
  fingerprintKey?: string;
}

interface RenderFlags {
  fingerprintKey?: string;
  previousOutputs?: string;
  secretSentinels: boolean;
  registrationsLog?: string;
}

/** A render that stops with a message for the user and exit status 1, never a stack trace. */
class RenderStopped extends Error {}

function fail(message: string): never {
  throw new RenderStopped(message);
}

/** Outputs from a JSON object of stack outputs, or from a render's resources.json. */
function readPreviousOutputs(file: string): Record<string, unknown> {
  let document: unknown;
  try {
    document = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    fail(`--previous-outputs ${file}: ${(error as Error).message}`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document))
    fail(`--previous-outputs ${file}: must be a JSON object`);
  const record = document as Record<string, unknown>;
  return typeof record.outputs === "object" && record.outputs !== null && "resources" in record
    ? (record.outputs as Record<string, unknown>)
    : record;
}

/** Secure config values become sentinels too, so a test can trace the kubeconfig as well as generated passwords. */
function withSentinelSecrets(source: StackConfigSource): StackConfigSource {
  const config = Object.fromEntries(
    Object.entries(source.config).map(([key, text]) => [
      key,
      text.replace(/\[secure value of ([^\]]+)\]/g, (_match, name: string) => sentinelFor(`secure:${name}`)),
    ]),
  );
  return { ...source, config };
}

async function renderOne(
  stack: string,
  configFile: string | undefined,
  outDir: string,
  flags: RenderFlags,
  io: RenderIo,
): Promise<void> {
  const root = projectRoot();
  try {
    const read = readStackConfig(root, stack, configFile && path.resolve(configFile));
    const source = flags.secretSentinels ? withSentinelSecrets(read) : read;
    const options: MockOptions = {
      secretSentinels: flags.secretSentinels,
      previousOutputs: flags.previousOutputs ? readPreviousOutputs(path.resolve(flags.previousOutputs)) : undefined,
      registrationsLog: flags.registrationsLog && path.resolve(flags.registrationsLog),
    };
    const render = await renderInProcess(
      path.join(__dirname, "..", ".."),
      stack,
      source,
      options,
      flags.fingerprintKey,
    );
    const findings = evaluatePolicies({
      resources: render.resources,
      settings: settingsFromConfig(source.config),
      secretPatterns: [RENDER_SECRET_MASK, ...(flags.secretSentinels ? [new RegExp(SECRET_SENTINEL)] : [])],
    });
    const blocking = mandatory(findings);
    if (blocking.length > 0) {
      fail(
        `${formatFindings(stack, findings)}render of ${stack} refused: ${blocking.length} mandatory policy violation(s); nothing was written`,
      );
    }
    const written = writeRender(render, outDir, await targetOfflineRender(render.target));
    io.stdout(formatFindings(stack, findings));
    io.stdout(
      `rendered ${stack}: ${render.resources.length} resources -> ${path.relative(process.cwd(), written) || "."}\n`,
    );
  } catch (error) {
    if (error instanceof RenderStopped) throw error;
    // RunErrors (a broken config, refused storage replacement) are the program's own verdicts: no stack trace.
    if (error instanceof StackFileError || error instanceof RenderOutputError) fail(error.message);
    if (pulumi.RunError.isInstance(error as Error)) fail((error as Error).message);
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string" && (error as NodeJS.ErrnoException).syscall) {
      // A file the render could not read or write (--out, --registrations-log): the system's message names it.
      fail(`render of ${stack} failed: ${(error as Error).message}`);
    }
    throw error;
  }
}

/** Each further stack in a child process of this CLI (the runtime is global), its output passed on to `io`. */
function renderInChild(stack: string, outDir: string, flags: RenderFlags, io: RenderIo): number {
  const forwarded = flags.secretSentinels ? ["--secret-sentinels"] : [];
  const child = spawnSync(
    process.execPath,
    [path.join(__dirname, "cli.js"), "--stack", stack, "--out", outDir, ...forwarded],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: flags.fingerprintKey
        ? { ...process.env, [SECRET_FINGERPRINT_KEY_VARIABLE]: flags.fingerprintKey }
        : process.env,
    },
  );
  io.stdout(child.stdout ?? "");
  io.stderr(child.stderr ?? "");
  if (child.error) fail(`render of ${stack} could not start: ${child.error.message}`);
  return child.status ?? 1;
}

async function render(argv: string[], io: RenderIo, settings: RenderSettings): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", multiple: true },
        config: { type: "string" },
        out: { type: "string", default: "out" },
        "previous-outputs": { type: "string" },
        "secret-sentinels": { type: "boolean", default: false },
        "registrations-log": { type: "string" },
      },
      allowPositionals: false,
    });
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const stacks = parsed.values.stack ?? [];
  const outDir = path.resolve(parsed.values.out ?? "out");
  if (stacks.length === 0) fail(USAGE);
  const badNames = stacks.map(stackNameProblem).filter((problem) => problem !== undefined);
  if (badNames.length > 0) fail(`${badNames.join("\n")}\n${USAGE}`);
  // Refuse before rendering: a folder the render may not replace is known now.
  try {
    for (const stack of stacks) ownedRenderFolder(outDir, stack);
  } catch (error) {
    if (error instanceof RenderOutputError) fail(error.message);
    throw error;
  }
  const flags: RenderFlags = {
    fingerprintKey: settings.fingerprintKey,
    previousOutputs: parsed.values["previous-outputs"],
    secretSentinels: parsed.values["secret-sentinels"] === true,
    registrationsLog: parsed.values["registrations-log"],
  };
  if (stacks.length > 1 && (parsed.values.config || flags.previousOutputs || flags.registrationsLog)) {
    fail("--config, --previous-outputs and --registrations-log apply to one stack; pass a single --stack with them");
  }
  if (stacks.length === 1) {
    await renderOne(stacks[0], parsed.values.config, outDir, flags, io);
    return 0;
  }
  for (const stack of stacks) {
    const status = renderInChild(stack, outDir, flags, io);
    if (status !== 0) return status;
  }
  return 0;
}

/**
 * The render command: 0 when everything asked for was written, 1 when it was
 * refused (the reason on `io.stderr`, without a stack trace unless the render
 * itself broke). One render at a time per process: the runtime is global.
 */
export async function renderCommand(
  argv: string[],
  io: RenderIo = processIo,
  settings: RenderSettings = {},
): Promise<number> {
  try {
    return await render(argv, io, settings);
  } catch (error) {
    const message =
      error instanceof RenderStopped
        ? error.message
        : `render failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    io.stderr(`${message}\n`);
    return 1;
  }
}

if (require.main === module) {
  // A refused render exits at once, as the runtime may still hold work it will never finish.
  void renderCommand(process.argv.slice(2)).then((status) => {
    if (status !== 0) process.exit(status);
  });
}
