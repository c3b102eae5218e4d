/**
 * Loaded by mocha (--require) first in the main process, then in each worker:
 * the main process makes a scratch folder for this one test run and names it
 * in the environment, which the workers inherit. Test files in different
 * workers share work through it (the renders of the committed stacks), and it
 * is removed when the run ends, so nothing carries over to the next run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const TEST_RUN_DIR_VARIABLE = "ML_PLATFORM_TEST_RUN_DIR";

/** This run's shared scratch folder, or undefined when the tests run without the mocha set-up. */
export function testRunDir(): string | undefined {
  const dir = process.env[TEST_RUN_DIR_VARIABLE];
  return dir && fs.existsSync(dir) ? dir : undefined;
}

if (!process.env[TEST_RUN_DIR_VARIABLE]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-test-run-"));
  process.env[TEST_RUN_DIR_VARIABLE] = dir;
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
}
