/**
 * The sh wrappers run for real here (with the machine's /bin/sh), because
 * what matters is what they do, not how the script reads.
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  DEADLINE_EXIT_CODE,
  shellQuote,
  withRetriesAndDeadline,
  withVariablesFromFiles,
} from "../../../components/docker/commands";

function run(
  command: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(command[0], command.slice(1), { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function temporaryDirectory(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "docker-commands-"));
}

describe("docker target: command wrappers", () => {
  describe("shellQuote", () => {
    it("keeps every word intact through sh, whatever characters it has", () => {
      const words = ["plain", "with space", "it's", "dollar $HOME and `tick`", "*", "a\nnewline", ""];
      for (const word of words) {
        const echoed = run(["/bin/sh", "-c", `printf %s ${shellQuote(word)}`]);
        assert.strictEqual(
          echoed.stdout,
          word,
          `shellQuote(${JSON.stringify(word)}) came back as ${JSON.stringify(echoed.stdout)}`,
        );
      }
    });
  });

  describe("withVariablesFromFiles", () => {
    it("exports each variable from its file before the command runs, keeping the value off the command line", () => {
      const directory = temporaryDirectory();
      const file = path.join(directory, "DATABASE URL");
      fs.writeFileSync(file, "postgresql://user:s3cret@db:5432/prefect");
      const command = withVariablesFromFiles(["/bin/sh", "-c", 'printf %s "$PREFECT_DB"'], { PREFECT_DB: file });
      const result = run(command);
      assert.strictEqual(result.status, 0, `wrapper failed: ${result.stderr}`);
      assert.strictEqual(
        result.stdout,
        "postgresql://user:s3cret@db:5432/prefect",
        "the variable did not carry the file's content",
      );
      assert.ok(!command.join(" ").includes("s3cret"), `the secret appears in the command line: ${command.join(" ")}`);
    });

    it("fails instead of starting the process when a secret file is missing", () => {
      const command = withVariablesFromFiles(["/bin/echo", "started"], { TOKEN: "/nonexistent/ml-platform/TOKEN" });
      const result = run(command);
      assert.notStrictEqual(result.status, 0, "the wrapper started the process without its secret");
      assert.ok(!result.stdout.includes("started"), "the process ran although its secret file was missing");
    });

    it("leaves a command alone when nothing is read from files", () => {
      assert.deepStrictEqual(withVariablesFromFiles(["prefect", "server", "start"], {}), [
        "prefect",
        "server",
        "start",
      ]);
    });

    it("rejects names that are not environment variables", () => {
      assert.throws(() => withVariablesFromFiles(["true"], { "NOT-A-NAME": "/x" }), /not an environment variable name/);
    });
  });

  describe("withRetriesAndDeadline", () => {
    /** A command that fails until it has been started `succeedOn` times, counting in a file. */
    function flaky(directory: string, succeedOn: number, failWith = 3): string[] {
      const counter = path.join(directory, "attempts");
      fs.writeFileSync(counter, "0");
      const script = `n=$(($(cat ${counter}) + 1)); echo $n > ${counter}; [ $n -ge ${succeedOn} ] || exit ${failWith}`;
      return ["/bin/sh", "-c", script];
    }

    it("retries a failing command until it succeeds, within backoffLimit", () => {
      const directory = temporaryDirectory();
      const command = withRetriesAndDeadline(flaky(directory, 3), {
        retries: 2,
        deadlineSeconds: 60,
        initialDelaySeconds: 0,
      });
      const result = run(command);
      assert.strictEqual(result.status, 0, `three attempts with two retries should succeed: ${result.stderr}`);
      assert.strictEqual(
        fs.readFileSync(path.join(directory, "attempts"), "utf8").trim(),
        "3",
        "the command did not run exactly three times",
      );
    });

    it("gives up after backoffLimit retries with the last attempt's exit code", () => {
      const directory = temporaryDirectory();
      const command = withRetriesAndDeadline(flaky(directory, 10, 7), {
        retries: 1,
        deadlineSeconds: 60,
        initialDelaySeconds: 0,
      });
      const result = run(command);
      assert.strictEqual(
        result.status,
        7,
        `expected the command's own exit code 7, got ${result.status}: ${result.stderr}`,
      );
      assert.strictEqual(
        fs.readFileSync(path.join(directory, "attempts"), "utf8").trim(),
        "2",
        "backoffLimit 1 must mean two attempts in all",
      );
      assert.match(result.stderr, /no retries left/, "the log does not say why the run stopped");
    });

    it("stops a run that overruns its deadline with exit code 124", () => {
      const command = withRetriesAndDeadline(["sleep", "30"], {
        retries: 3,
        deadlineSeconds: 1,
        initialDelaySeconds: 0,
      });
      const result = run(command);
      assert.strictEqual(
        result.status,
        DEADLINE_EXIT_CODE,
        `an overrun run must exit ${DEADLINE_EXIT_CODE}, got ${result.status}: ${result.stderr}`,
      );
      assert.match(result.stderr, /deadline/, "the log does not mention the deadline");
    });

    it("passes the command's arguments through untouched", () => {
      const command = withRetriesAndDeadline(["/bin/sh", "-c", 'printf "%s|" "$@"', "sh", "a b", "$c", "*"], {
        retries: 0,
        deadlineSeconds: 60,
        initialDelaySeconds: 0,
      });
      const result = run(command);
      assert.strictEqual(result.stdout, "a b|$c|*|", `arguments were changed on the way: ${result.stdout}`);
    });
  });
});
