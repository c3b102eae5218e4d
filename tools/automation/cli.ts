/**
 * npm run up|preview|refresh|destroy -- <stack> [--yes]
 *
 * A thin command over Pulumi's Automation API: the project-local file backend
 * (or PULUMI_BACKEND_URL), the stack created on first use, the passphrase
 * handled, output streamed. Exit status: 0 done, 1 failed, 2 usage.
 */
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { projectRoot } from "../../platform/project-root";
import { OpenStackRequest, runAutomation, StackOperations } from "./run";
import { locatePulumiCli } from "./pulumi-cli";

async function openStack(request: OpenStackRequest): Promise<StackOperations> {
  // PulumiCommand looks for <root>/bin/pulumi; a CLI outside a bin folder is taken from PATH.
  const binDir = path.dirname(request.cli);
  const pulumiCommand = await PulumiCommand.get(path.basename(binDir) === "bin" ? { root: path.dirname(binDir) } : {});
  return LocalWorkspace.createOrSelectStack(
    { stackName: request.stack, workDir: request.projectDir },
    { pulumiCommand, envVars: request.envVars },
  );
}

runAutomation(process.argv.slice(2), {
  env: process.env,
  projectDir: projectRoot(),
  locateCli: locatePulumiCli,
  openStack,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
  .then((status) => {
    process.exitCode = status;
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
