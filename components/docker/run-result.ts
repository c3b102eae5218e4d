/**
 * Run-to-completion containers (`attach: true`) finish during `pulumi up`, and
 * the provider records their exit code and log but does not fail on a non-zero
 * exit. These helpers turn a failed run into a deployment error that says what
 * happened and how to run it again.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Lines of the run's log quoted in the error. */
export const LOG_TAIL_LINES = 40;
/** Characters of the run's log quoted in the error, whatever the line count. */
const LOG_TAIL_CHARACTERS = 8000;

export function logTail(logs: string | undefined, lines = LOG_TAIL_LINES): string {
  const text = (logs ?? "").replace(/\s+$/, "");
  if (text === "") return "(the container wrote no log)";
  const tail = text.split("\n").slice(-lines).join("\n");
  return tail.length > LOG_TAIL_CHARACTERS ? `…${tail.slice(-LOG_TAIL_CHARACTERS)}` : tail;
}

/** The message a failed run is reported with. */
export function failureMessage(what: string, exitCode: number, logs: string | undefined, urn: string): string {
  return [
    `${what} failed with exit code ${exitCode}. Last lines of its log:`,
    logTail(logs),
    `A failed run is kept as it is until its inputs change; to run it again: pulumi up --replace '${urn}'`,
  ].join("\n");
}

/**
 * Resolves to the run's exit code when it is 0, and rejects with a
 * ResourceError naming the run, its exit code and its log tail otherwise.
 * An exit code the provider did not report (a preview) passes as unknown.
 */
export function requireSuccess(what: string, run: docker.Container): pulumi.Output<number> {
  return pulumi.all([run.exitCode, run.containerLogs, run.urn]).apply(([exitCode, logs, urn]) => {
    if (exitCode !== undefined && exitCode !== null && exitCode !== 0) {
      throw new pulumi.ResourceError(failureMessage(what, exitCode, logs, urn), run, true);
    }
    return exitCode ?? 0;
  });
}

/** Settings every run-to-completion container shares. */
export const RUN_TO_COMPLETION: Pick<docker.ContainerArgs, "attach" | "logs" | "mustRun" | "restart"> = {
  // `pulumi up` waits for the exit and records exitCode and containerLogs.
  attach: true,
  logs: true,
  // An exited run is its finished state, not a fault to repair on the next `up`.
  mustRun: false,
  // Retries happen inside the container (see commands.ts): a Docker restart would end the attach early.
  restart: "no",
};
