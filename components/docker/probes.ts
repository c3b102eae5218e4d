/**
 * Translates the neutral probes into Docker's single healthcheck. Docker has
 * one check per container, so the readiness probe (what decides whether a
 * replica should get traffic) becomes it; the startup probe's budget becomes
 * the start period, during which failures do not count.
 */
import * as docker from "@pulumi/docker";
import { ContainerSpec, Probe, ProbeCheck } from "../../platform/model";

/**
 * The images ship no curl or wget, but the Prefect and Python images all have
 * python3: an HTTP check is a few lines of urllib that exit 1 on any error or
 * non-2xx/3xx answer.
 */
export function httpCheckCommand(port: number, path: string, timeoutSeconds: number): string[] {
  const url = `http://127.0.0.1:${port}${path.startsWith("/") ? path : `/${path}`}`;
  const script = [
    "import sys, urllib.request",
    "try:",
    `    urllib.request.urlopen(${JSON.stringify(url)}, timeout=${timeoutSeconds})`,
    "except Exception as error:",
    "    print(error, file=sys.stderr)",
    "    sys.exit(1)",
  ].join("\n");
  return ["CMD", "python3", "-c", script];
}

function checkCommand(check: ProbeCheck, container: ContainerSpec, timeoutSeconds: number): string[] {
  if (check.kind === "command") return ["CMD", ...check.command];
  const port = container.ports.find((candidate) => candidate.name === check.port);
  if (!port) {
    const known = container.ports.map((candidate) => candidate.name).join(", ") || "none";
    throw new Error(`HTTP probe on ${check.path} names port "${check.port}", but the container has: ${known}`);
  }
  return httpCheckCommand(port.port, check.path, timeoutSeconds);
}

/** How long the startup probe allows before failures count. */
export function startPeriodSeconds(startup: Probe | undefined): number {
  return startup ? startup.periodSeconds * startup.failureThreshold : 0;
}

/** The container's healthcheck, or undefined when the spec has no readiness or liveness probe. */
export function healthcheckFor(container: ContainerSpec): docker.types.input.ContainerHealthcheck | undefined {
  const probe = container.probes.readiness ?? container.probes.liveness;
  if (!probe) return undefined;
  const startup = container.probes.startup;
  const healthcheck: docker.types.input.ContainerHealthcheck = {
    tests: checkCommand(probe.check, container, probe.timeoutSeconds),
    interval: `${probe.periodSeconds}s`,
    timeout: `${probe.timeoutSeconds}s`,
    retries: probe.failureThreshold,
  };
  // No start interval: Docker clients refuse it below API 1.44 (Engine 25), and
  // the platform supports Engine 20.10 and newer. The check runs every interval
  // from the start, and failures inside the start period do not count.
  if (startup) healthcheck.startPeriod = `${startPeriodSeconds(startup)}s`;
  return healthcheck;
}

/**
 * How long `pulumi up` waits for a new container to turn healthy: the whole
 * start period plus one full failure window, and a minute for the image to
 * start. Past it the deployment fails instead of hanging.
 */
export function waitTimeoutSeconds(container: ContainerSpec): number {
  const probe = container.probes.readiness ?? container.probes.liveness;
  if (!probe) return 60;
  const failureWindow = (probe.periodSeconds + probe.timeoutSeconds) * probe.failureThreshold;
  return startPeriodSeconds(container.probes.startup) + failureWindow + 60;
}
