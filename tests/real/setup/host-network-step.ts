/**
 * The set-up steps that reach a registry (Debian's mirror for packages, PyPI
 * for the lock) run in a throw-away container of the base image on the host's
 * network, as the host's own apt and pip would; everything else builds offline.
 */
import { Engine } from "./engine";
import { Log, run, RunResult } from "./run";

export interface HostNetworkStep {
  /** The base image to run the script in. */
  image: string;
  /** A POSIX shell script. */
  script: string;
  /** More `docker run` arguments: volumes and environment. */
  dockerArgs: string[];
  timeoutSeconds: number;
  /** Passes the step's output to the log as it comes. */
  log?: Log;
}

export function runOnHostNetwork(engine: Engine, step: HostNetworkStep): Promise<RunResult> {
  return run("docker", ["run", "--rm", "--network", "host", ...step.dockerArgs, step.image, "sh", "-c", step.script], {
    env: engine.env,
    log: step.log,
    timeoutSeconds: step.timeoutSeconds,
  });
}
