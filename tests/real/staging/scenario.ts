/**
 * The staging stack on a single-node Docker Swarm (the suite's own engine in
 * swarm mode), end to end: refuse a broken config before anything exists,
 * deploy the rendered stack file, check that every service converges, run the
 * shipped flows and a run of the scheduled retraining deployment, serve the
 * trained model, roll serving out under load, watch an update with a failing
 * healthcheck roll back by itself, and find no secret in any environment.
 *
 * Deploy path: `docker stack deploy` of the render's docker-stack.yml. A real
 * Pulumi engine needs the Docker and random provider plugins, which cannot be
 * had from the registries this suite may use (the Go module proxy refuses
 * their modules); the render writes the stack file from the exact provider
 * inputs instead.
 *
 * The engine makes no iptables changes, so Swarm's routing mesh and virtual
 * IPs do not work on it: tests/real/stacks/staging.single-node.yaml publishes
 * in host mode and resolves services by DNS round robin.
 */
import * as fs from "fs";
import * as path from "path";
import { parseSecretsFile, SECRETS_FILE } from "../../../tools/render/generated-passwords";
import { Checks, expect } from "../checks";
import { PrefectApi } from "../prefect-api";
import {
  checkPrefect,
  checkBalancing,
  checkServing,
  checkRetrainingDeployment,
  checkShippedFlowRuns,
  expectBrokenConfigRefused,
  prefectLogin,
  stepRunner,
} from "../platform-checks";
import { containerHostnames, Engine, startEngine } from "../setup/engine";
import { ensureStandInImages } from "../setup/images";
import { repoRoot } from "../setup/repo-paths";
import { Log, run } from "../setup/run";
import { deepMerge, suiteConfig, writeStackFile } from "../stack-files";
import { renderStackFile } from "../render-stack";
import { requestLoop } from "../serving-load";
import { section, seconds, waitFor } from "../wait";
import {
  converged,
  deployStack,
  docker,
  ensureSwarm,
  leaveSwarm,
  removeStack,
  serviceContainers,
  serviceStates,
  stackServices,
  STACK_NAME,
  waitForUpdate,
} from "./swarm-stack";
import { emptySummary, StagingSummary } from "./summary";

const STACK = "staging";
const AUTH_PASSWORD_RESOURCE = "ml-platform-secrets-prefect-auth-password";
const CONVERGE_TIMEOUT_SECONDS = 600;
/** The release tag staging's policies ask for, on the nginx stand-in the dev run builds as 1.22-bookworm. */
const PROXY_RELEASE_TAG = {
  from: "ml-platform-standin/nginx:1.22-bookworm",
  to: "ml-platform-standin/nginx:1.22.1-bookworm",
};

export interface StagingOptions {
  keep: boolean;
  log: Log;
  checks: Checks;
}

interface Platform {
  engine: Engine;
  folder: string;
  api: PrefectApi;
  servingUrl: string;
  config: Record<string, unknown>;
}

async function deploy(platform: Platform, summary: StagingSummary, checks: Checks): Promise<boolean> {
  const started = Date.now();
  return checks.check("every service converges: long-running tasks up and healthy, one-shots complete", async () => {
    await deployStack(platform.engine, path.join(platform.folder, "docker-stack.yml"), platform.folder);
    const states = await waitFor("every service to converge", CONVERGE_TIMEOUT_SECONDS, async () => {
      const current = await serviceStates(platform.engine);
      summary.servicesTotal = current.length;
      summary.servicesConverged = current.filter(converged).length;
      return current.length > 0 && current.every(converged) ? current : undefined;
    }).catch(async (error: Error) => {
      const current = await serviceStates(platform.engine);
      const behind = current.filter((state) => !converged(state));
      throw new Error(
        `${error.message}; not converged: ${behind.map((state) => `${state.name} (${state.running} running, ${state.completed} complete of ${state.desired})`).join(", ")}`,
      );
    });
    summary.secondsToConverged = seconds(started);
    const longRunning = states.filter((state) => state.longRunning).length;
    return `${summary.servicesConverged}/${summary.servicesTotal} services converged after ${summary.secondsToConverged}s (${longRunning} long-running, ${states.length - longRunning} one-shots complete)`;
  });
}

async function runFlows(platform: Platform, summary: StagingSummary, checks: Checks): Promise<void> {
  const [worker] = await serviceContainers(platform.engine, "prefect-worker");
  const ok = await checks.check("the shipped flows deploy to the work pool from a worker", async () => {
    expect(worker !== undefined, "no running worker container");
    // As a user inside a worker would: the login comes from the worker's Swarm secret, never a command line.
    const out = await docker(platform.engine, [
      "exec",
      worker,
      "/bin/sh",
      "-c",
      'PREFECT_API_AUTH_STRING="$(cat /run/secrets/PREFECT_API_AUTH_STRING)" exec python3 /opt/ml-platform/flows/deploy.py',
    ]);
    return out.trim().split("\n").join("; ");
  });
  if (!ok) {
    checks.cannotRun("20 flow runs complete within the concurrency limit", "the flows did not deploy");
    return;
  }
  await checkShippedFlowRuns(
    { training: 4, fanOut: 16 },
    "never more at once than the pool allows",
    platform.api,
    platform.config,
    summary,
    checks,
    { url: platform.servingUrl },
  );
}

/** Every secret value the platform holds: the kept passwords and the secret files assembled from them. */
function secretValues(folder: string): string[] {
  const passwords = [...parseSecretsFile(fs.readFileSync(path.join(folder, SECRETS_FILE), "utf8")).values()];
  const secretsDir = path.join(folder, "swarm-files", "secrets");
  const files = fs.readdirSync(secretsDir).map((file) => fs.readFileSync(path.join(secretsDir, file), "utf8"));
  return [...new Set([...passwords, ...files])].filter((value) => value.length >= 8);
}

async function checkSecretsInEnv(platform: Platform, summary: StagingSummary, checks: Checks): Promise<void> {
  await checks.check("no secret value is in any service's or container's environment (docker inspect)", async () => {
    const values = secretValues(platform.folder);
    expect(values.length >= 2, "the render's secrets were not found");
    const services = await stackServices(platform.engine);
    const serviceEnv = await docker(platform.engine, [
      "service",
      "inspect",
      "--format",
      "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
      ...services,
    ]);
    const containers = (
      await docker(platform.engine, [
        "ps",
        "--all",
        "--quiet",
        "--filter",
        `label=com.docker.stack.namespace=${STACK_NAME}`,
      ])
    )
      .split("\n")
      .filter((line) => line.trim() !== "");
    const containerEnv = await docker(platform.engine, ["inspect", "--format", "{{json .Config.Env}}", ...containers]);
    const environments = [...serviceEnv.split("\n"), ...containerEnv.split("\n")].filter((line) => line.trim() !== "");
    summary.secretsInEnv = environments.filter((env) => values.some((value) => env.includes(value))).length;
    expect(summary.secretsInEnv === 0, `${summary.secretsInEnv} environments hold a secret value`);
    const mounted = await docker(platform.engine, [
      "service",
      "inspect",
      "--format",
      "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.File.Name}} {{end}}",
      `${STACK_NAME}_prefect-server`,
    ]);
    return `${services.length} services and ${containers.length} containers inspected, 0 secrets in their environments; prefect-server reads ${mounted.trim().split(" ").length} Swarm secrets (${mounted.trim()})`;
  });
}

/** A change of serving's memory limit, redeployed with `docker stack deploy` while a request loop runs. */
async function rollServing(
  platform: Platform,
  outDir: string,
  renderDir: string,
  summary: StagingSummary,
  checks: Checks,
): Promise<void> {
  const changed = deepMerge(platform.config, {
    "ml-platform:serving": { resources: { limits: { memory: "384Mi" } } },
  }) as Record<string, unknown>;
  await checks.check(
    "a change of serving's settings rolls out one task at a time with zero failed requests",
    async () => {
      const outcome = await renderStackFile(STACK, writeStackFile(outDir, STACK, changed, "rolled"), renderDir);
      expect(outcome.ok, `the changed config did not render: ${outcome.output}`);
      const before = await serviceContainers(platform.engine, "model-serving");
      let finish: () => void = () => undefined;
      const rolled = new Promise<void>((resolve) => (finish = resolve));
      const load = requestLoop(platform.servingUrl, rolled, 900);
      let state: string;
      try {
        await deployStack(platform.engine, path.join(platform.folder, "docker-stack.yml"), platform.folder);
        state = await waitForUpdate(
          platform.engine,
          "model-serving",
          ["completed", "rollback_completed", "paused"],
          600,
        );
      } finally {
        finish();
      }
      const result = await load;
      summary.rollingUpdateRequests = result.requests;
      summary.rollingUpdateFailures = result.failures;
      expect(state === "completed", `the update ended ${state}`);
      const after = await serviceContainers(platform.engine, "model-serving");
      expect(
        after.every((id) => !before.includes(id)),
        "the serving tasks were not replaced",
      );
      const memory = await docker(platform.engine, ["inspect", "--format", "{{.HostConfig.Memory}}", ...after]);
      expect(
        memory
          .trim()
          .split("\n")
          .every((bytes) => Number(bytes) === 384 * 1024 * 1024),
        `the new tasks' memory limits are ${memory.trim()} bytes, not 384Mi`,
      );
      expect(result.requests >= 20, `only ${result.requests} requests were sent during the rollout`);
      expect(result.failures === 0, `${result.failures} failed: ${result.firstFailures.join(" | ")}`);
      return `${after.length} tasks -> 384Mi, update ${state}; ${result.requests} requests, 0 failed`;
    },
  );
}

/** An update whose new tasks fail their healthcheck: Swarm rolls it back by itself, and serving keeps answering. */
async function rollBackFailedUpdate(platform: Platform, summary: StagingSummary, checks: Checks): Promise<void> {
  await checks.check(
    "an update whose healthcheck fails is rolled back by Swarm itself, serving answering throughout",
    async () => {
      const before = await serviceContainers(platform.engine, "model-serving");
      let finish: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const load = requestLoop(platform.servingUrl, done, 900);
      let state: string;
      try {
        await docker(platform.engine, [
          "service",
          "update",
          "--detach",
          "--health-cmd",
          "exit 1",
          "--health-interval",
          "2s",
          "--health-retries",
          "2",
          "--health-start-period",
          "0s",
          `${STACK_NAME}_model-serving`,
        ]);
        state = await waitForUpdate(
          platform.engine,
          "model-serving",
          ["rollback_completed", "completed", "paused", "rollback_paused"],
          600,
        );
      } finally {
        finish();
      }
      const result = await load;
      summary.rollbackRequests = result.requests;
      summary.rollbackFailures = result.failures;
      summary.rollbackObserved = state === "rollback_completed";
      expect(summary.rollbackObserved, `the update ended ${state}, not rollback_completed`);
      const check = await docker(platform.engine, [
        "service",
        "inspect",
        "--format",
        "{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck.Test}}",
        `${STACK_NAME}_model-serving`,
      ]);
      expect(!check.includes("exit 1"), `the failing healthcheck is still in the spec: ${check.trim()}`);
      const after = await serviceContainers(platform.engine, "model-serving");
      expect(
        after.length === before.length,
        `${after.length} serving tasks run after the rollback, ${before.length} before`,
      );
      expect(
        result.failures === 0,
        `${result.failures} of ${result.requests} requests failed: ${result.firstFailures.join(" | ")}`,
      );
      return `update ${state}; ${after.length} tasks with the previous healthcheck; ${result.requests} requests during it, 0 failed`;
    },
  );
}

async function saveLogs(engine: Engine, file: string, log: Log): Promise<void> {
  const services = await stackServices(engine).catch(() => []);
  const parts: string[] = [];
  for (const service of services) {
    const out = await run("docker", ["service", "logs", "--no-task-ids", "--timestamps", "--tail", "300", service], {
      env: engine.env,
      timeoutSeconds: 60,
    }).catch((error: Error) => ({ stdout: error.message, stderr: "" }));
    parts.push(`== ${service}\n${out.stdout}${out.stderr}`);
  }
  const tasks = await docker(engine, ["stack", "ps", STACK_NAME, "--no-trunc"]).catch((error: Error) => error.message);
  fs.writeFileSync(file, `${tasks}\n${parts.join("\n")}`);
  log(`service logs: ${file}`);
}

async function setUp(log: Log, summary: StagingSummary): Promise<Engine> {
  const engine = await startEngine(log);
  summary.dockerHost = engine.host;
  summary.engineVersion = (
    await docker(engine, ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"])
  ).trim();
  summary.cliVersion = (await docker(engine, ["version", "--format", "{{.Client.Version}}"])).trim();
  // Staging runs the dev run's stand-ins; the proxy under the release tag its policies ask for.
  const images = await ensureStandInImages(engine, log);
  summary.setup.images = { built: images.built, reused: images.reused, seconds: images.seconds };
  await docker(engine, ["tag", PROXY_RELEASE_TAG.from, PROXY_RELEASE_TAG.to]);
  return engine;
}

export async function runStaging(options: StagingOptions): Promise<StagingSummary> {
  const { log, checks } = options;
  const summary = emptySummary();
  const outDir = path.join(repoRoot(), "out", "real", STACK);
  const renderDir = path.join(outDir, "render");
  const setupStarted = Date.now();
  let engine: Engine | undefined;
  const config = suiteConfig(STACK, ["single-node"]);
  const databaseLabel =
    section<{ databaseNodeLabel?: string }>(config, "swarm").databaseNodeLabel ?? "ml-platform.database";
  const setupOk = await checks.check(
    "set-up: the suite's Docker Engine in swarm mode and the stand-in images",
    async () => {
      engine = await setUp(log, summary);
      summary.swarmNode = await ensureSwarm(engine, databaseLabel, log);
      summary.setup.seconds = seconds(setupStarted);
      return `engine ${summary.engineVersion}, CLI ${summary.cliVersion}, swarm node ${summary.swarmNode} labelled ${databaseLabel}=true; images built ${summary.setup.images?.built.length ?? 0}, reused ${summary.setup.images?.reused.length ?? 0}; ${summary.setup.seconds}s`;
    },
  );
  if (!setupOk || !engine) {
    checks.cannotRun("the staging platform's checks", "set-up failed (see above)");
    return summary;
  }

  // A platform a previous run kept (--keep) goes first, volumes too: each run proves a fresh deploy.
  await removeStack(engine, true, log);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  const running = engine;
  await checks.check("a broken stack config is refused before any service exists", async () => {
    await expectBrokenConfigRefused(STACK, config, outDir);
    const services = await stackServices(running);
    summary.badConfigServicesCreated = services.length;
    expect(services.length === 0, `${services.length} services exist after the refusal`);
    return "render refused naming worker.replicas and serving.port; the swarm reports 0 services";
  });

  const rendered = await renderStackFile(STACK, writeStackFile(outDir, STACK, config, "deployed"), renderDir);
  if (!rendered.ok) {
    checks.cannotRun("deploying staging", `the suite's stack file did not render: ${rendered.output}`);
    return summary;
  }
  const server = section<{ publicUrl: string }>(config, "server");
  const swarm = section<{ servingPort: number }>(config, "swarm");
  const platform: Platform = {
    engine,
    folder: path.join(renderDir, STACK),
    api: new PrefectApi(
      `${server.publicUrl.replace(/\/+$/, "")}/api`,
      prefectLogin(renderDir, STACK, AUTH_PASSWORD_RESOURCE),
    ),
    servingUrl: `http://127.0.0.1:${swarm.servingPort}/serving`,
    config,
  };
  summary.endpoints = { prefectApi: platform.api.url, serving: platform.servingUrl };
  const step = stepRunner(checks, outDir, (file) => saveLogs(running, file, log));
  try {
    let deployed = false;
    await step("deploy", async () => (deployed = await deploy(platform, summary, checks)));
    if (deployed) {
      await step("prefect", () => checkPrefect({ api: platform.api, config, poolType: "process" }, checks));
      await step("secrets", () => checkSecretsInEnv(platform, summary, checks));
      await step("flows", () => runFlows(platform, summary, checks));
      await step("serving", () => checkServing(platform.servingUrl, "through the proxy task", summary, checks));
      await step("balancing", () =>
        checkBalancing(
          platform.servingUrl,
          "through the proxy task",
          async () => containerHostnames(platform.engine, await serviceContainers(platform.engine, "model-serving")),
          summary,
          checks,
        ),
      );
      await step("retraining", () => checkRetrainingDeployment(platform.api, platform.config, summary, checks));
      await step("rolling-update", () => rollServing(platform, outDir, renderDir, summary, checks));
      await step("rollback", () => rollBackFailedUpdate(platform, summary, checks));
    } else {
      checks.cannotRun("the running platform's checks", "the services did not converge");
    }
  } finally {
    if (options.keep) {
      summary.swarmLeftActive = true;
      log(
        `--keep: the platform stays up (${platform.api.url}, ${platform.servingUrl}) and the engine stays in swarm mode; npm run test:real -- --stack staging --down removes both`,
      );
    } else {
      await removeStack(engine, true, log).catch((error: Error) => log(`teardown failed: ${error.message}`));
      await leaveSwarm(engine, log);
      if (engine.startedHere) await engine.stop();
    }
  }
  return summary;
}

/** `--down`: removes a kept staging platform and leaves swarm mode; the engine stays for the caller to stop. */
export async function removeStaging(engine: Engine, log: Log): Promise<void> {
  const state = (await docker(engine, ["info", "--format", "{{.Swarm.LocalNodeState}}"])).trim();
  if (state !== "active") {
    log("no kept staging platform (the engine is not in swarm mode)");
    return;
  }
  await removeStack(engine, true, log);
  await leaveSwarm(engine, log);
  log("removed the kept staging platform and left swarm mode");
}
