/**
 * The render CLI as the suite runs it: the same code path a user runs
 * (`npm run render -- --stack S --config F --out D`), on the compiled project.
 */
import * as path from "path";
import { repoRoot } from "./setup/repo-paths";
import { run } from "./setup/run";

export interface RenderOutcome {
  ok: boolean;
  output: string;
}

/** Runs the render CLI for one stack file into `outDir`; a refusal is an outcome, not an exception. */
export async function renderStackFile(stack: string, stackFile: string, outDir: string): Promise<RenderOutcome> {
  const cli = path.join(repoRoot(), "dist", "tools", "render", "cli.js");
  try {
    const result = await run(process.execPath, [cli, "--stack", stack, "--config", stackFile, "--out", outDir], {
      cwd: repoRoot(),
    });
    return { ok: true, output: result.stdout + result.stderr };
  } catch (error) {
    return { ok: false, output: error instanceof Error ? error.message : String(error) };
  }
}
