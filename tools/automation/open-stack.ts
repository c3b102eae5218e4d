/**
 * Opens a stack whose program is this project's, run inline: the Node SDK
 * serves the program from this process, so the CLI needs no Node.js language
 * plugin, and the program that runs is the compiled one beside this file (the
 * same `npm run render` renders). The project folder supplies Pulumi.yaml and
 * the stack's settings file, nothing else.
 */
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { OpenStackRequest, StackOperations } from "./run";

type PulumiProgram = () => Promise<Record<string, unknown>>;

/** The compiled program (index.js two folders up), loaded when the engine runs it, after the runtime is set up. */
function platformProgram(): Promise<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(__dirname, "..", "..", "index")) as PulumiProgram;
  return program();
}

export async function openPlatformStack(request: OpenStackRequest): Promise<StackOperations> {
  // PulumiCommand runs <root>/bin/pulumi; a CLI outside a bin folder is taken from PATH.
  const binDir = path.dirname(request.cli);
  const pulumiCommand = await PulumiCommand.get(path.basename(binDir) === "bin" ? { root: path.dirname(binDir) } : {});
  return LocalWorkspace.createOrSelectStack(
    { stackName: request.stack, projectName: request.project, program: platformProgram },
    { workDir: request.projectDir, pulumiCommand, envVars: request.envVars },
  );
}
