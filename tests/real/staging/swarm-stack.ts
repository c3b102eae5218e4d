/**
 * The staging platform as `docker stack deploy` runs it on the suite's
 * single-node swarm: deploy the rendered stack file, wait for every service
 * to converge, read what Swarm reports, remove it.
 */
import { Engine } from "../setup/engine";
import { Log, run, sleep } from "../setup/run";
import { waitFor } from "../wait";

export const STACK_NAME = "ml-platform-staging";
const INSTANCE_LABEL = `label=app.kubernetes.io/instance=${STACK_NAME}`;

export interface ServiceState {
  name: string;
  /** Replicated services that keep running (restart policy "any"), as opposed to one-shots. */
  longRunning: boolean;
  desired: number;
  running: number;
  /** Tasks of a one-shot that completed. */
  completed: number;
}

export async function docker(engine: Engine, args: string[], timeoutSeconds = 300): Promise<string> {
  return (await run("docker", args, { env: engine.env, timeoutSeconds })).stdout;
}

/** Swarm mode on, with this node labelled for the database; returns the node's ID. */
export async function ensureSwarm(engine: Engine, databaseLabel: string, log: Log): Promise<string> {
  const state = (await docker(engine, ["info", "--format", "{{.Swarm.LocalNodeState}}"])).trim();
  if (state !== "active") {
    log(`docker swarm init (the engine was ${state})`);
    await docker(engine, ["swarm", "init", "--advertise-addr", "127.0.0.1"]);
  }
  const node = (await docker(engine, ["info", "--format", "{{.Swarm.NodeID}}"])).trim();
  await docker(engine, ["node", "update", "--label-add", `${databaseLabel}=true`, node]);
  return node;
}

/** Leaves swarm mode, so the engine is as the other stacks' runs expect it. */
export async function leaveSwarm(engine: Engine, log: Log): Promise<void> {
  await docker(engine, ["swarm", "leave", "--force"]).catch((error: Error) => log(`swarm leave: ${error.message}`));
  // The bridge that swarm mode created for its tasks' outside traffic outlives it; nothing else uses it.
  await waitFor("the swarm's tasks to stop", 120, async () =>
    (await docker(engine, ["ps", "--quiet", "--filter", "network=docker_gwbridge"])).trim() === "" ? true : undefined,
  ).catch(() => undefined);
  await docker(engine, ["network", "rm", "docker_gwbridge"]).catch(() => undefined);
}

export async function stackServices(engine: Engine): Promise<string[]> {
  const out = await docker(engine, ["service", "ls", "--quiet", "--filter", INSTANCE_LABEL]);
  return out.split("\n").filter((line) => line.trim() !== "");
}

export async function deployStack(engine: Engine, stackFile: string, cwd: string): Promise<void> {
  // --resolve-image never: the images are the node's own; nothing is looked up in a registry.
  await run("docker", ["stack", "deploy", "--resolve-image", "never", "--prune", "-c", stackFile, STACK_NAME], {
    env: engine.env,
    cwd,
    timeoutSeconds: 300,
  });
}

/** Removes the stack and waits until its services and their containers are gone; with volumes, those too. */
export async function removeStack(engine: Engine, withVolumes: boolean, log: Log): Promise<void> {
  await docker(engine, ["stack", "rm", STACK_NAME]).catch((error: Error) => log(`stack rm: ${error.message}`));
  await waitFor("the stack's services and containers to go", 180, async () => {
    const services = await stackServices(engine);
    const containers = await docker(engine, [
      "ps",
      "--all",
      "--quiet",
      "--filter",
      `label=com.docker.stack.namespace=${STACK_NAME}`,
    ]);
    return services.length === 0 && containers.trim() === "" ? true : undefined;
  });
  // The overlay network goes a moment after its last task.
  await sleep(2000);
  if (!withVolumes) return;
  const volumes = (
    await docker(engine, ["volume", "ls", "--quiet", "--filter", `label=app.kubernetes.io/instance=${STACK_NAME}`])
  )
    .split("\n")
    .filter((line) => line.trim() !== "");
  if (volumes.length > 0) await docker(engine, ["volume", "rm", "--force", ...volumes]);
}

export async function serviceStates(engine: Engine): Promise<ServiceState[]> {
  const ids = await stackServices(engine);
  if (ids.length === 0) return [];
  const inspected = JSON.parse(await docker(engine, ["service", "inspect", ...ids])) as Array<{
    ID: string;
    Spec: {
      Name: string;
      Mode: { Replicated?: { Replicas: number } };
      TaskTemplate: { RestartPolicy?: { Condition?: string } };
    };
  }>;
  const tasks = (
    await docker(engine, [
      "stack",
      "ps",
      STACK_NAME,
      "--no-trunc",
      "--format",
      "{{.Name}}|{{.DesiredState}}|{{.CurrentState}}",
    ])
  )
    .split("\n")
    .filter((line) => line.includes("|"))
    .map((line) => {
      const [name, desired, current] = line.split("|");
      return { service: name.replace(/\.\d+$/, ""), desired, current };
    });
  return inspected.map((service) => {
    const own = tasks.filter((task) => task.service === service.Spec.Name);
    return {
      name: service.Spec.Name.replace(`${STACK_NAME}_`, ""),
      longRunning: (service.Spec.TaskTemplate.RestartPolicy?.Condition ?? "any") === "any",
      desired: service.Spec.Mode.Replicated?.Replicas ?? 0,
      running: own.filter((task) => task.desired === "Running" && task.current.startsWith("Running")).length,
      completed: own.filter((task) => task.current.startsWith("Complete")).length,
    };
  });
}

export function converged(state: ServiceState): boolean {
  return state.longRunning ? state.running === state.desired : state.completed >= state.desired;
}

/** The IDs of the running containers of one service of the stack. */
export async function serviceContainers(engine: Engine, service: string): Promise<string[]> {
  const out = await docker(engine, [
    "ps",
    "--quiet",
    "--filter",
    `label=com.docker.swarm.service.name=${STACK_NAME}_${service}`,
  ]);
  return out.split("\n").filter((line) => line.trim() !== "");
}

/** The service's update status: "updating", "completed", "rollback_started", "rollback_completed", …, or "". */
export async function updateState(engine: Engine, service: string): Promise<string> {
  return (
    await docker(engine, [
      "service",
      "inspect",
      "--format",
      "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}",
      `${STACK_NAME}_${service}`,
    ])
  ).trim();
}

/** Waits for a service's update to end in one of `states`; returns the state it ended in. */
export async function waitForUpdate(
  engine: Engine,
  service: string,
  states: string[],
  timeoutSeconds: number,
): Promise<string> {
  return waitFor(`${service}'s update to reach ${states.join(" or ")}`, timeoutSeconds, async () => {
    const state = await updateState(engine, service);
    return states.includes(state) ? state : undefined;
  });
}
