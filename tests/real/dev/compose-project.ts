/**
 * The dev platform as a Compose project on the suite's engine: rendered by
 * `npm run render` (the same code path a user runs), then driven with the
 * Compose v2 binary built here. Every call names the project's file, so
 * nothing outside that project is touched.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Engine } from "../setup/engine";
import { Log, run, RunResult } from "../setup/run";

interface ComposeDocument {
  name: string;
  services: Record<string, { restart?: string; healthcheck?: unknown; labels?: Record<string, string> }>;
  networks: Record<string, { name: string }>;
}

export class ComposeProject {
  readonly document: ComposeDocument;

  constructor(
    readonly file: string,
    private readonly binary: string,
    private readonly engine: Engine,
    private readonly log: Log,
  ) {
    this.document = parse(fs.readFileSync(file, "utf8")) as ComposeDocument;
  }

  get name(): string {
    return this.document.name;
  }

  get network(): string {
    const [network] = Object.values(this.document.networks);
    return network.name;
  }

  /** Services that run until stopped (restart policy other than "no"). */
  get longRunning(): string[] {
    return Object.entries(this.document.services)
      .filter(([, service]) => service.restart !== "no")
      .map(([key]) => key)
      .sort();
  }

  /** Services that run to completion (seeding, ownership, registration, training). */
  get runToCompletion(): string[] {
    return Object.entries(this.document.services)
      .filter(([, service]) => service.restart === "no")
      .map(([key]) => key)
      .sort();
  }

  /** Services whose `app.kubernetes.io/name` label is `name` (a workload's replicas). */
  replicasOf(name: string, component: string): string[] {
    return Object.entries(this.document.services)
      .filter(
        ([, service]) =>
          service.labels?.["app.kubernetes.io/name"] === name &&
          service.labels?.["app.kubernetes.io/component"] === component,
      )
      .map(([key]) => key)
      .sort();
  }

  /** Runs a Compose command on this project; `quiet` keeps its output out of the suite's log. */
  compose(args: string[], timeoutSeconds = 900, quiet = false): Promise<RunResult> {
    return run(this.binary, ["-f", this.file, ...args], {
      env: this.engine.env,
      cwd: path.dirname(this.file),
      log: quiet ? undefined : this.log,
      timeoutSeconds,
    });
  }

  /** `up -d --wait`: returns once every long-running service is healthy and every one-shot has succeeded. */
  up(services: string[] = [], extra: string[] = []): Promise<RunResult> {
    return this.compose(["up", "--detach", "--wait", "--wait-timeout", "600", ...extra, ...services]);
  }

  /** Removes the project's containers and network; its volumes stay unless `volumes` is set. */
  down(volumes: boolean): Promise<RunResult> {
    return this.compose(["down", "--remove-orphans", "--timeout", "30", ...(volumes ? ["--volumes"] : [])]);
  }
}

/** Containers (running or not) of a Compose project, as the daemon reports them. */
export async function projectContainers(engine: Engine, project: string): Promise<string[]> {
  const result = await run(
    "docker",
    ["ps", "--all", "--quiet", "--filter", `label=com.docker.compose.project=${project}`],
    { env: engine.env },
  );
  return result.stdout.split("\n").filter((line) => line.trim() !== "");
}

export interface ContainerState {
  service: string;
  status: string;
  health: string | undefined;
  exitCode: number;
}

/** The state of each of the project's containers, from `docker inspect`. */
export async function containerStates(engine: Engine, project: string): Promise<ContainerState[]> {
  const ids = await projectContainers(engine, project);
  if (ids.length === 0) return [];
  const result = await run("docker", ["inspect", ...ids], { env: engine.env });
  const inspected = JSON.parse(result.stdout) as {
    Config: { Labels: Record<string, string> };
    State: { Status: string; ExitCode: number; Health?: { Status: string } };
  }[];
  return inspected.map((container) => ({
    service: container.Config.Labels["com.docker.compose.service"],
    status: container.State.Status,
    health: container.State.Health?.Status,
    exitCode: container.State.ExitCode,
  }));
}
