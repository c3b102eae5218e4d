/**
 * The dev stack on a real Docker Engine, end to end: refuse a broken config
 * before anything exists, deploy, check what the engine and Prefect report,
 * run the shipped flows, serve the trained model, roll serving out under
 * load, tear down keeping storage and come back with the data intact.
 *
 * Deploy path: Compose. A real Pulumi engine needs the Docker provider plugin,
 * which cannot be had from the registries this suite may use (the Go module
 * proxy refuses its module, and its go.mod replaces its Terraform upstream
 * with a git submodule); the render writes a Compose file from the exact
 * provider inputs instead, and the suite runs that.
 */
import * as fs from "fs";
import * as path from "path";
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
  servedModelRun,
  stepRunner,
} from "../platform-checks";
import { ensureCompose } from "../setup/compose";
import { containerHostnames, Engine, startEngine } from "../setup/engine";
import { ensureStandInImages } from "../setup/images";
import { repoRoot } from "../setup/repo-paths";
import { Log, run, sleep } from "../setup/run";
import { deepMerge, suiteConfig, writeStackFile } from "../stack-files";
import { renderStackFile } from "../render-stack";
import { requestLoop } from "../serving-load";
import { section, seconds, waitFor } from "../wait";
import { checkCronParity } from "../cron-parity";
import { ComposeProject, containerStates, projectContainers } from "./compose-project";
import { DevSummary, emptySummary } from "./summary";

const STACK = "dev";
const AUTH_PASSWORD_RESOURCE = "ml-platform-secrets-prefect-auth-password";

export interface DevOptions {
  keep: boolean;
  log: Log;
  checks: Checks;
}

interface Platform {
  engine: Engine;
  composeBinary: string;
  project: ComposeProject;
  api: PrefectApi;
  servingUrl: string;
  config: Record<string, unknown>;
}

/** A broken stack file must be refused by the render, naming the keys, with no container created. */
async function refuseBrokenConfig(
  engine: Engine,
  outDir: string,
  projectName: string,
  config: Record<string, unknown>,
  summary: DevSummary,
  checks: Checks,
): Promise<void> {
  await checks.check("a broken stack config is refused before any container exists", async () => {
    await expectBrokenConfigRefused(STACK, config, outDir);
    const containers = await projectContainers(engine, projectName);
    summary.badConfigContainersCreated = containers.length;
    expect(containers.length === 0, `${containers.length} containers exist after the refusal`);
    return "render refused naming worker.replicas and serving.port; the daemon reports 0 containers";
  });
}

/** How long a one-shot nothing waits for (the retraining deployment's registration) may take after `up`. */
const ONE_SHOT_TIMEOUT_SECONDS = 180;

async function deploy(platform: Platform, summary: DevSummary, checks: Checks): Promise<boolean> {
  const { project, engine } = platform;
  const started = Date.now();
  return checks.check("every long-running container becomes healthy and every one-shot succeeds", async () => {
    await project.up();
    const states = await containerStates(engine, project.name);
    summary.secondsToHealthy = seconds(started);
    const longRunning = states.filter((state) => project.longRunning.includes(state.service));
    summary.containersTotal = longRunning.length;
    summary.containersHealthy = longRunning.filter(
      (state) => state.status === "running" && state.health === "healthy",
    ).length;
    expect(
      longRunning.length === project.longRunning.length,
      `${longRunning.length} of ${project.longRunning.length} long-running services have a container`,
    );
    const unhealthy = longRunning.filter((state) => state.status !== "running" || state.health !== "healthy");
    expect(
      unhealthy.length === 0,
      `not healthy: ${unhealthy.map((state) => `${state.service} (${state.status}/${state.health})`).join(", ")}`,
    );
    // `up --wait` waits for the one-shots others depend on; the one nothing depends on (the retraining
    // deployment's registration, after the workers) may still be running: wait for it to end.
    const finished = await waitFor("every one-shot to finish", ONE_SHOT_TIMEOUT_SECONDS, async () => {
      const current = await containerStates(engine, project.name);
      const oneShots = current.filter((state) => project.runToCompletion.includes(state.service));
      return oneShots.every((state) => state.status === "exited") ? current : undefined;
    }).catch(() => containerStates(engine, project.name));
    const failedRuns = finished.filter(
      (state) => project.runToCompletion.includes(state.service) && (state.status !== "exited" || state.exitCode !== 0),
    );
    expect(
      failedRuns.length === 0,
      `one-shots that did not succeed: ${failedRuns.map((state) => `${state.service} (${state.status}, exit ${state.exitCode})`).join(", ")}`,
    );
    return `${summary.containersHealthy}/${summary.containersTotal} healthy after ${summary.secondsToHealthy}s; ${project.runToCompletion.length} one-shots exited 0`;
  });
}

/** Runs a Python program in the first worker, as Prefect's code runs there. */
async function workerPython(platform: Platform, program: string, argument: string): Promise<string> {
  const worker = platform.project.replicasOf("prefect-worker", "worker")[0];
  const result = await platform.project.compose(["exec", "-T", worker, "python3", "-c", program, argument], 120, true);
  return result.stdout;
}

async function runFlows(platform: Platform, summary: DevSummary, checks: Checks): Promise<void> {
  const { api, project } = platform;
  const worker = project.replicasOf("prefect-worker", "worker")[0];
  const ok = await checks.check("the shipped flows deploy to the work pool from a worker", async () => {
    // As a user inside a worker would: the login comes from the worker's secret file, never a command line.
    const result = await project.compose([
      "exec",
      "-T",
      worker,
      "/bin/sh",
      "-c",
      'PREFECT_API_AUTH_STRING="$(cat /run/secrets/PREFECT_API_AUTH_STRING)" exec python3 /opt/ml-platform/flows/deploy.py',
    ]);
    return result.stdout.trim().split("\n").join("; ");
  });
  if (!ok) {
    checks.cannotRun("20 flow runs complete within the concurrency limit", "the flows did not deploy");
    return;
  }
  await checkShippedFlowRuns(
    { training: 4, fanOut: 16 },
    "never more at once than the pool allows",
    api,
    platform.config,
    summary,
    checks,
    { url: platform.servingUrl },
  );
}

async function containerIds(platform: Platform, services: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const service of services) {
    const result = await platform.project.compose(["ps", "--quiet", service]);
    ids.push(result.stdout.trim());
  }
  return ids;
}

/** A change of serving's memory limit, rolled one replica at a time while a request loop runs. */
async function rollServing(
  platform: Platform,
  outDir: string,
  renderDir: string,
  summary: DevSummary,
  checks: Checks,
  log: Log,
): Promise<void> {
  const serving = section<{ resources: { limits: { memory: string } } }>(platform.config, "serving");
  const changed = deepMerge(platform.config, {
    "ml-platform:serving": { resources: { limits: { memory: "384Mi" } } },
  }) as Record<string, unknown>;
  await checks.check("a change of serving's settings rolls out with zero failed requests", async () => {
    const file = writeStackFile(outDir, STACK, changed, "rolled");
    const outcome = await renderStackFile(STACK, file, renderDir);
    expect(outcome.ok, `the changed config did not render: ${outcome.output}`);
    const project = new ComposeProject(platform.project.file, platform.composeBinary, platform.engine, log);
    const replicas = project.replicasOf("model-serving", "inference");
    expect(replicas.length >= 2, `serving has ${replicas.length} replica(s); a rolling update needs 2`);
    const before = await containerIds(platform, replicas);
    let finish: () => void = () => undefined;
    const rolled = new Promise<void>((resolve) => (finish = resolve));
    const load = requestLoop(platform.servingUrl, rolled, 600);
    try {
      // One replica at a time, each healthy before the next goes: the proxy always has one to send to.
      for (const replica of replicas) await project.up([replica], ["--no-deps"]);
      await sleep(2000);
    } finally {
      finish();
    }
    const result = await load;
    summary.rollingUpdateRequests = result.requests;
    summary.rollingUpdateFailures = result.failures;
    const after = await containerIds(platform, replicas);
    expect(
      before.every((id, index) => id !== "" && id !== after[index]),
      "the replicas were not recreated with the new setting",
    );
    const memory = await run("docker", ["inspect", "--format", "{{.HostConfig.Memory}}", ...after], {
      env: platform.engine.env,
    });
    expect(
      memory.stdout
        .trim()
        .split("\n")
        .every((bytes) => Number(bytes) === 384 * 1024 * 1024),
      `the new replicas' memory limits are ${memory.stdout.trim()} bytes, not 384Mi`,
    );
    expect(result.requests >= 20, `only ${result.requests} requests were sent during the rollout`);
    expect(result.failures === 0, `${result.failures} failed: ${result.firstFailures.join(" | ")}`);
    return `${replicas.length} replicas ${serving.resources.limits.memory} -> 384Mi; ${result.requests} requests, 0 failed`;
  });
}

async function listCandidates(platform: Platform): Promise<string[]> {
  const replica = platform.project.replicasOf("model-serving", "inference")[0];
  const result = await platform.project.compose([
    "exec",
    "-T",
    replica,
    "python3",
    "-c",
    "import os; print('\\n'.join(sorted(os.listdir('/models/candidates'))))",
  ]);
  return result.stdout.split("\n").filter((line) => line.endsWith(".json"));
}

/** Teardown that keeps storage, then a new deploy: models, flow-run history and the database login survive. */
async function redeployKeepingData(platform: Platform, summary: DevSummary, checks: Checks): Promise<void> {
  const { project, api, engine } = platform;
  await checks.check(
    "teardown keeping storage, then a new deploy, keeps models, flow-run history and the DB login",
    async () => {
      const modelBefore = await servedModelRun(platform.servingUrl);
      const candidatesBefore = await listCandidates(platform);
      const runsBefore = await api.countFlowRuns();
      await project.down(false);
      const left = await projectContainers(engine, project.name);
      expect(left.length === 0, `${left.length} containers left after teardown`);
      const volumes = await run(
        "docker",
        [
          "volume",
          "ls",
          "--quiet",
          "--filter",
          "label=ml-platform.holds-state=true",
          "--filter",
          `label=app.kubernetes.io/instance=${project.name}`,
        ],
        { env: engine.env },
      );
      const kept = volumes.stdout.split("\n").filter((line) => line.trim() !== "");
      expect(
        kept.length === 3,
        `${kept.length} state volumes survived teardown, expected data, models and postgres-data`,
      );
      await project.up();
      // A healthy server after `up --wait` has logged in to Postgres with the kept password; ask it for data to be sure.
      const runsAfter = await api.countFlowRuns();
      const candidatesAfter = await listCandidates(platform);
      const lost = candidatesBefore.filter((candidate) => !candidatesAfter.includes(candidate));
      summary.dataKeptAcrossRedeploy = runsAfter >= runsBefore && lost.length === 0;
      expect(runsAfter >= runsBefore, `Prefect had ${runsBefore} flow runs before and ${runsAfter} after`);
      expect(lost.length === 0, `models lost across the redeploy: ${lost.join(", ")}`);
      expect(
        candidatesAfter.some((candidate) => candidate.startsWith(`${modelBefore}-`)),
        `the model served before (${modelBefore}) is gone`,
      );
      return `${kept.length} state volumes kept; ${runsAfter} flow runs (${runsBefore} before); ${candidatesBefore.length} models kept, incl. ${modelBefore}`;
    },
  );
}

async function saveLogs(project: ComposeProject, file: string, log: Log): Promise<void> {
  const logs = await project
    .compose(["logs", "--no-color", "--timestamps", "--tail", "2000"], 120, true)
    .catch((error: Error) => ({ stdout: error.message, stderr: "" }));
  fs.writeFileSync(file, logs.stdout + logs.stderr);
  log(`container logs: ${file}`);
}

async function setUp(log: Log, summary: DevSummary): Promise<{ engine: Engine; composeBinary: string }> {
  const engine = await startEngine(log);
  summary.dockerHost = engine.host;
  const version = await run("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"], {
    env: engine.env,
  });
  summary.engineVersion = version.stdout.trim();
  const images = await ensureStandInImages(engine, log);
  summary.setup.images = { built: images.built, reused: images.reused, seconds: images.seconds };
  const compose = await ensureCompose(log);
  summary.setup.compose = { version: compose.version, built: compose.built, seconds: compose.seconds };
  return { engine, composeBinary: compose.binary };
}

export async function runDev(options: DevOptions): Promise<DevSummary> {
  const { log, checks } = options;
  const summary = emptySummary();
  const outDir = path.join(repoRoot(), "out", "real", STACK);
  const renderDir = path.join(outDir, "render");
  const setupStarted = Date.now();
  let engine: Engine | undefined;
  let composeBinary = "";
  const setupOk = await checks.check(
    "set-up: the suite's Docker Engine, the stand-in images and Compose v2",
    async () => {
      ({ engine, composeBinary } = await setUp(log, summary));
      summary.setup.seconds = seconds(setupStarted);
      return `engine ${summary.engineVersion} at ${summary.dockerHost}; images built ${summary.setup.images?.built.length ?? 0}, reused ${summary.setup.images?.reused.length ?? 0}; compose ${summary.setup.compose?.version}; ${summary.setup.seconds}s`;
    },
  );
  if (!setupOk || !engine) {
    checks.cannotRun("the dev platform's checks", "set-up failed (see above)");
    return summary;
  }

  const config = suiteConfig(STACK);
  const composeFile = path.join(renderDir, STACK, "compose.yaml");
  // A platform a previous run kept (--keep) goes first, volumes too: each run proves a fresh deploy.
  if (fs.existsSync(composeFile))
    await new ComposeProject(composeFile, composeBinary, engine, log).down(true).catch(() => undefined);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  await refuseBrokenConfig(engine, outDir, `ml-platform-${STACK}`, config, summary, checks);

  const rendered = await renderStackFile(STACK, writeStackFile(outDir, STACK, config, "deployed"), renderDir);
  if (!rendered.ok) {
    checks.cannotRun("deploying dev", `the suite's stack file did not render: ${rendered.output}`);
    return summary;
  }
  const project = new ComposeProject(composeFile, composeBinary, engine, log);
  const server = section<{ publicUrl: string }>(config, "server");
  const docker = section<{ servingHostPort: number }>(config, "docker");
  const platform: Platform = {
    engine,
    composeBinary,
    project,
    api: new PrefectApi(
      `${server.publicUrl.replace(/\/+$/, "")}/api`,
      prefectLogin(renderDir, STACK, AUTH_PASSWORD_RESOURCE),
    ),
    servingUrl: `http://127.0.0.1:${docker.servingHostPort}/serving`,
    config,
  };
  summary.endpoints = { prefectApi: platform.api.url, serving: platform.servingUrl };
  // What the containers said, kept beside the summary after each step in which a check failed
  // (before the next step replaces containers and their logs with them).
  const step = stepRunner(checks, outDir, (file) => saveLogs(project, file, log));
  try {
    let deployed = false;
    await step("deploy", async () => (deployed = await deploy(platform, summary, checks)));
    if (deployed) {
      await step("prefect", () => checkPrefect({ api: platform.api, config, poolType: "process" }, checks));
      await step("flows", () => runFlows(platform, summary, checks));
      await step("retraining", () => checkRetrainingDeployment(platform.api, config, summary, checks));
      await step("cron", () =>
        checkCronParity((program, argument) => workerPython(platform, program, argument), summary, checks),
      );
      await step("serving", () => checkServing(platform.servingUrl, "through the proxy", summary, checks));
      await step("balancing", () =>
        checkBalancing(
          platform.servingUrl,
          "through the proxy",
          async () =>
            containerHostnames(
              platform.engine,
              await containerIds(platform, platform.project.replicasOf("model-serving", "inference")),
            ),
          summary,
          checks,
        ),
      );
      await step("rolling-update", () => rollServing(platform, outDir, renderDir, summary, checks, log));
      await step("redeploy", () => redeployKeepingData(platform, summary, checks));
    } else {
      checks.cannotRun("the running platform's checks", "the deploy did not become healthy");
    }
  } finally {
    if (options.keep) {
      log(
        `--keep: the platform stays up (${platform.api.url}, ${platform.servingUrl}); npm run test:real -- --down removes it`,
      );
    } else {
      await project.down(true).catch((error: Error) => log(`teardown failed: ${error.message}`));
      if (engine.startedHere) await engine.stop();
    }
  }
  return summary;
}
