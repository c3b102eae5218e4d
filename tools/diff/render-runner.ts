/**
 * Runs a project's own render CLI in a child process (the Pulumi runtime is
 * global, so one render per process) and reads back resources.json.
 */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Render, SECRET_FINGERPRINT_KEY_VARIABLE } from "../render/model";

export type RenderOutcome = { ok: true; render: Render } | { ok: false; message: string };

/** How a render is run: which CLI, from which project folder, with which secret fingerprint key. */
export interface Renderer {
  cli: string;
  projectDir: string;
  /** Shared by the two renders being compared, so that equal secrets mask alike; discarded afterwards. */
  fingerprintKey: string;
}

export function newFingerprintKey(): string {
  return crypto.randomBytes(32).toString("hex");
}

/** The renderer of the code this tool was built from (dist/tools/render/cli.js). */
export function workingTreeRenderer(projectDir: string, fingerprintKey: string): Renderer {
  return { cli: path.join(__dirname, "..", "render", "cli.js"), projectDir, fingerprintKey };
}

/** Stacks with a Pulumi.<stack>.yaml in a project folder. */
export function stacksIn(projectDir: string): string[] {
  if (!fs.existsSync(projectDir)) return [];
  return fs
    .readdirSync(projectDir)
    .map((file) => /^Pulumi\.([^.]+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

const RENDER_TIMEOUT_MS = 10 * 60 * 1000;

/** The last lines of a child's output: where a failure explains itself. */
export function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split("\n");
  return (all.length > lines ? ["…", ...all.slice(-lines)] : all).join("\n");
}

/** Renders one stack, from its stack file or from `configFile` in its place. */
export function renderStack(renderer: Renderer, stack: string, configFile?: string): RenderOutcome {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-render-"));
  try {
    const args = [renderer.cli, "--stack", stack, "--out", outDir, ...(configFile ? ["--config", configFile] : [])];
    const child = spawnSync(process.execPath, args, {
      cwd: renderer.projectDir,
      encoding: "utf8",
      timeout: RENDER_TIMEOUT_MS,
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, [SECRET_FINGERPRINT_KEY_VARIABLE]: renderer.fingerprintKey },
    });
    if (child.error) return { ok: false, message: `the render could not run: ${child.error.message}` };
    const written = path.join(outDir, stack, "resources.json");
    if (child.status !== 0 || !fs.existsSync(written)) {
      const output = tail(`${child.stderr}${child.stderr && child.stdout ? "\n" : ""}${child.stdout}`);
      return { ok: false, message: `the render exited with status ${child.status}:\n${output}` };
    }
    return { ok: true, render: JSON.parse(fs.readFileSync(written, "utf8")) as Render };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}
