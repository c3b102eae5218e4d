/**
 * npm run up|preview|refresh|destroy -- <stack> [--yes] [--exclude-protected]
 *
 * A thin command over Pulumi's Automation API: the project-local file backend
 * (or PULUMI_BACKEND_URL), the stack created on first use, the passphrase
 * handled, output streamed. Exit status: 0 done, 1 failed, 2 usage.
 */
import { projectRoot } from "../../platform/project-root";
import { openPlatformStack } from "./open-stack";
import { runAutomation } from "./run";
import { locatePulumiCli } from "./pulumi-cli";

runAutomation(process.argv.slice(2), {
  env: process.env,
  projectDir: projectRoot(),
  locateCli: locatePulumiCli,
  openStack: openPlatformStack,
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
