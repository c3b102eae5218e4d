/**
 * Runs the offline render in a child process (the Pulumi runtime is global, so
 * one program run per process) and reads back what it wrote.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Render } from "../../tools/render/model";

const RENDER_CLI = path.join(__dirname, "..", "..", "tools", "render", "cli.js");

export interface RenderRun {
  status: number;
  stdout: string;
  stderr: string;
  outDir: string;
}

export function runRender(args: string[], outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-render-"))): RenderRun {
  const child = spawnSync(process.execPath, [RENDER_CLI, ...args, "--out", outDir], { encoding: "utf8" });
  return { status: child.status ?? -1, stdout: child.stdout, stderr: child.stderr, outDir };
}

const cache = new Map<string, Render & { outDir: string }>();

/** The render of a stack from its committed Pulumi.<stack>.yaml (cached per test process). */
export function renderStack(stack: string): Render & { outDir: string } {
  const cached = cache.get(stack);
  if (cached) return cached;
  const run = runRender(["--stack", stack]);
  if (run.status !== 0) throw new Error(`render of ${stack} failed (${run.status}):\n${run.stderr}`);
  const render = JSON.parse(fs.readFileSync(path.join(run.outDir, stack, "resources.json"), "utf8")) as Render;
  const result = { ...render, outDir: run.outDir };
  cache.set(stack, result);
  return result;
}

/** Renders a stack from a config file written for the test. */
export function renderConfig(stack: string, yamlText: string): RenderRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-config-"));
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, yamlText);
  return runRender(["--stack", stack, "--config", file]);
}
