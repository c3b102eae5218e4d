/**
 * Checks every stack's scenario makes the same way, whatever runs the
 * platform: the render's refusal of a broken config, Prefect's login, health,
 * UI and workers, and runs of the shipped flows.
 */
import * as fs from "fs";
import * as path from "path";
import { PREFECT_AUTH_USER } from "../../platform/describe";
import { generatedVariable, parseSecretsFile, SECRETS_FILE } from "../../tools/render/generated-passwords";
import { Checks, expect } from "./checks";
import { httpRequest, PinnedHosts } from "./http";
import { FlowRun, maxConcurrent, PrefectApi } from "./prefect-api";
import { renderStackFile } from "./render-stack";
import { predict } from "./serving-load";
import { deepMerge, writeStackFile } from "./stack-files";
import { section, seconds, waitFor } from "./wait";

/** How many runs of each shipped flow a stack's check submits at once. */
export interface FlowRunCounts {
  training: number;
  fanOut: number;
}
const FLOW_RUN_TIMEOUT_SECONDS = 1200;
const FINISHED = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"];

/** The figures of the flow-run check, in both stacks' summaries. */
export interface FlowRunFigures {
  flowRunsSubmitted: number;
  flowRunsCompleted: number;
  flowRunsRetried: number;
  maxConcurrentObserved: number | null;
  maxConcurrentAllowed: number | null;
  /** Serving serves a model that one of the training flow runs trained (null: not checked). */
  flowModelServed: boolean | null;
  /** The run of that model. */
  flowModelRun: string | null;
}

/** Where the check reaches serving from outside the platform. */
export interface ServingFront {
  url: string;
  pinned?: PinnedHosts;
}

/** How long serving may take to load a flow run's model after the run completed. */
const MODEL_PICKUP_SECONDS = 60;

/** Settings the render must refuse, and the keys its refusal must name. */
export const BROKEN_SETTINGS = { "ml-platform:worker": { replicas: 0 }, "ml-platform:serving": { port: 70000 } };
export const BROKEN_KEYS = ["worker.replicas", "serving.port"];
/** A Node.js stack frame, which a refusal of bad input must never print. */
export const STACK_TRACE = /\n\s+at .+\(.+:\d+:\d+\)/;

/**
 * Writes the suite's config with BROKEN_SETTINGS over it and renders it: the render must refuse it,
 * naming each broken key, with no stack trace and no file written. The caller then asks its runtime
 * that nothing was created.
 */
export async function expectBrokenConfigRefused(
  stack: string,
  config: Record<string, unknown>,
  outDir: string,
): Promise<void> {
  const file = writeStackFile(outDir, stack, deepMerge(config, BROKEN_SETTINGS) as Record<string, unknown>, "broken");
  const renderDir = path.join(outDir, "broken", "render");
  const outcome = await renderStackFile(stack, file, renderDir);
  expect(!outcome.ok, "the render accepted worker.replicas 0 and serving.port 70000");
  for (const key of BROKEN_KEYS)
    expect(outcome.output.includes(key), `the refusal does not name ${key}: ${outcome.output.slice(0, 400)}`);
  expect(!STACK_TRACE.test(outcome.output), "the refusal printed a stack trace");
  expect(!fs.existsSync(path.join(renderDir, stack)), "the refused render wrote files");
}

/** The login from the render's .env, as a user finds it: the user name and the generated password. */
export function prefectLogin(renderDir: string, stack: string, passwordResource: string): string {
  const secrets = parseSecretsFile(fs.readFileSync(path.join(renderDir, stack, SECRETS_FILE), "utf8"));
  const variable = generatedVariable(passwordResource);
  const password = secrets.get(variable);
  if (!password) throw new Error(`${SECRETS_FILE} has no ${variable}`);
  return `${PREFECT_AUTH_USER}:${password}`;
}

/** Runs each step, and keeps the runtime's logs beside the summary after a step in which a check failed. */
export function stepRunner(
  checks: Checks,
  outDir: string,
  saveLogs: (file: string) => Promise<void>,
): (name: string, body: () => Promise<unknown>) => Promise<void> {
  let failedSoFar = checks.failed;
  return async (name, body) => {
    await body();
    if (checks.failed > failedSoFar) await saveLogs(path.join(outDir, `logs-${name}.txt`));
    failedSoFar = checks.failed;
  };
}

export interface PrefectChecks {
  api: PrefectApi;
  config: Record<string, unknown>;
  pinned?: PinnedHosts;
  /** How the checks reach Prefect, e.g. "through the ingress", for their names. */
  via?: string;
  /** The work pool's type the workers must have registered. */
  poolType: string;
}

export async function checkPrefect(target: PrefectChecks, checks: Checks): Promise<void> {
  const { api, config, pinned } = target;
  const via = target.via ? `${target.via}, ` : "";
  const publicUrl = section<{ publicUrl: string }>(config, "server").publicUrl;
  await checks.check(`${via}the Prefect API refuses a client without the login`, async () => {
    const refused = await api
      .anonymous()
      .request("POST", "/flow_runs/count", {})
      .then(
        () => "answered",
        (error: Error) => error.message,
      );
    expect(/HTTP 401/.test(refused), `an anonymous request was not refused with 401: ${refused}`);
    return "HTTP 401 without the login";
  });
  await checks.check(`${via}the Prefect API answers /api/health and the UI is served at the public URL`, async () => {
    const health = await api.request<unknown>("GET", "/health");
    expect(health === true, `/api/health answered ${JSON.stringify(health)}`);
    const ui = await httpRequest(publicUrl, { timeoutMs: 10_000 }, pinned);
    expect(ui.status === 200 && /<html/i.test(ui.text), `the UI at ${publicUrl} answered HTTP ${ui.status}`);
    return `health true; UI ${publicUrl} HTTP 200, ${ui.text.length} bytes of HTML`;
  });
  const { workPool, replicas } = section<{ workPool: string; replicas: number }>(config, "worker");
  await checks.check("the workers are online in the work pool", async () => {
    const online = await waitFor("workers online", 180, async () => {
      const workers = await api.workers(workPool);
      const count = workers.filter((worker) => worker.status === "ONLINE").length;
      return count >= replicas ? count : undefined;
    });
    const pool = await api.request<{ type: string }>("GET", `/work_pools/${encodeURIComponent(workPool)}`);
    expect(pool.type === target.poolType, `work pool ${workPool} has type ${pool.type}, not ${target.poolType}`);
    return `${online} of ${replicas} workers ONLINE in ${workPool} (type ${pool.type})`;
  });
}

/**
 * The check after the flows deployed: `counts` training and fan-out runs submitted, all completed,
 * never more at once than worker.maxConcurrentRuns, every fan-out result recorded; `alsoExpect`
 * asserts what the target adds (where the runs executed) and returns its figure.
 */
export async function checkShippedFlowRuns(
  counts: FlowRunCounts,
  what: string,
  api: PrefectApi,
  config: Record<string, unknown>,
  summary: FlowRunFigures,
  checks: Checks,
  serving: ServingFront,
  alsoExpect: (runs: FlowRun[]) => Promise<string> = async () => "",
): Promise<void> {
  const trainingRuns: string[] = [];
  const name = `${counts.training + counts.fanOut} flow runs of the shipped flows (${counts.training} training, ${counts.fanOut} fan-out) complete, ${what}`;
  const maxAllowed = section<{ maxConcurrentRuns: number }>(config, "worker").maxConcurrentRuns;
  summary.maxConcurrentAllowed = maxAllowed;
  await checks.check(name, async () => {
    const training = await api.deploymentId("training-pipeline", "ml-platform");
    const fanOut = await api.deploymentId("fan-out", "ml-platform");
    const ids: string[] = [];
    for (let index = 0; index < counts.training; index++)
      trainingRuns.push((await api.createFlowRun(training, { epochs: 60 })).id);
    ids.push(...trainingRuns);
    for (let index = 0; index < counts.fanOut; index++)
      ids.push((await api.createFlowRun(fanOut, { width: 8, work_seconds: 0.5 })).id);
    summary.flowRunsSubmitted = ids.length;
    const started = Date.now();
    const runs = await waitFor("all flow runs finishing", FLOW_RUN_TIMEOUT_SECONDS, async () => {
      const current = await api.flowRuns(ids);
      const finished = current.filter((run) => FINISHED.includes(String(run.state_type)));
      return finished.length === ids.length ? current : undefined;
    });
    const took = seconds(started);
    summary.flowRunsCompleted = runs.filter((run) => run.state_type === "COMPLETED").length;
    summary.maxConcurrentObserved = maxConcurrent(runs);
    summary.flowRunsRetried = runs.filter((run) => run.run_count > 1).length;
    expect(
      summary.flowRunsCompleted === ids.length,
      `${summary.flowRunsCompleted} of ${ids.length} completed; others: ${runs
        .filter((run) => run.state_type !== "COMPLETED")
        .map((run) => `${run.name} ${run.state_type} (${run.state?.message ?? "no message"})`)
        .join(", ")}`,
    );
    expect(
      summary.maxConcurrentObserved <= maxAllowed,
      `${summary.maxConcurrentObserved} flow runs ran at once; worker.maxConcurrentRuns is ${maxAllowed}`,
    );
    const fanOutResults = await api.countArtifacts("fan-out-result");
    expect(fanOutResults >= counts.fanOut, `only ${fanOutResults} fan-out results were recorded`);
    const more = await alsoExpect(runs);
    return `${summary.flowRunsCompleted}/${ids.length} completed in ${took}s (${summary.flowRunsRetried} after a retry of the flow run); at most ${summary.maxConcurrentObserved} at once (limit ${maxAllowed}); ${fanOutResults} verified fan-out results${more ? `; ${more}` : ""}`;
  });
  await checkFlowModelServed(trainingRuns, serving, summary, checks);
}

/**
 * A model a training flow run published is the one serving answers with. The trainer names a run's
 * model `<UTC time>-<first 8 characters of the flow run's id>` (flows/training.py), so the served
 * run tells which flow run trained it; the model serving had before (the training Job's) names none.
 */
async function checkFlowModelServed(
  trainingRuns: string[],
  serving: ServingFront,
  summary: FlowRunFigures,
  checks: Checks,
): Promise<void> {
  await checks.check("serving serves a model that a training flow run published", async () => {
    expect(trainingRuns.length > 0, "no training flow run was started");
    let served = "";
    const flowRun = await waitFor(
      `serving to load a flow run's model (${MODEL_PICKUP_SECONDS}s)`,
      MODEL_PICKUP_SECONDS,
      async () => {
        served = await servedModelRun(serving.url, serving.pinned);
        return trainingRuns.find((id) => served.endsWith(`-${id.slice(0, 8)}`));
      },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; serving still serves model ${served || "(none)"}`);
    });
    summary.flowModelServed = true;
    summary.flowModelRun = served;
    return `model ${served}, trained by flow run ${flowRun}`;
  });
}

/** The figures of the serving check, in both stacks' summaries. */
export interface ServingFigures {
  predictionOk: boolean;
  badInputStatus: number | null;
}

export interface BalancingFigures {
  /** Serving's running replicas, and how many of them answered requests to its public address. */
  servingReplicas: number;
  servingReplicasReached: number;
}

const BALANCING_REQUESTS = 40;

/**
 * Whatever stands in front of serving's replicas (a proxy, the routing mesh, an ingress and a Service) must spread
 * requests over all of them, or the replicas add no capacity. Each replica names itself (X-Served-By, its host
 * name); every request goes on a connection of its own, since some balancers pick a backend per connection.
 */
export async function checkBalancing(
  servingUrl: string,
  via: string,
  replicaHostnames: () => Promise<string[]>,
  summary: BalancingFigures,
  checks: Checks,
  pinned?: PinnedHosts,
): Promise<void> {
  await checks.check(`requests to serving ${via} reach every serving replica`, async () => {
    const hostnames = await replicaHostnames();
    // The model's metadata: what every address in front of serving forwards (a proxy may keep /healthz to itself).
    const url = `${servingUrl}/model`;
    const reached = new Set<string>();
    for (let request = 0; request < BALANCING_REQUESTS && reached.size < hostnames.length; request++) {
      const answer = await httpRequest(url, { timeoutMs: 10_000, newConnection: true }, pinned);
      expect(answer.status === 200, `GET ${url} answered HTTP ${answer.status}`);
      reached.add(answer.headers["x-served-by"] ?? "");
    }
    summary.servingReplicas = hostnames.length;
    summary.servingReplicasReached = [...reached].filter((name) => hostnames.includes(name)).length;
    const strangers = [...reached].filter((name) => !hostnames.includes(name));
    expect(strangers.length === 0, `answers named ${strangers.join(", ")}, none a serving replica of this stack`);
    expect(hostnames.length > 1, `serving runs ${hostnames.length} replica(s); balancing needs two or more`);
    expect(
      summary.servingReplicasReached === hostnames.length,
      `${summary.servingReplicasReached} of ${hostnames.length} replicas answered ${BALANCING_REQUESTS} requests`,
    );
    return `${summary.servingReplicasReached} of ${hostnames.length} replicas answered`;
  });
}

/** The run of the model serving answers with (GET /model). */
export async function servedModelRun(servingUrl: string, pinned?: PinnedHosts): Promise<string> {
  const answer = await httpRequest(`${servingUrl}/model`, { timeoutMs: 10_000 }, pinned);
  const model = JSON.parse(answer.text) as { run?: string };
  expect(answer.status === 200 && typeof model.run === "string", `GET /model answered HTTP ${answer.status}`);
  return model.run;
}

/** Serving, reached `via` the platform's front (its proxy, the ingress), predicts with the published model and refuses bad input. */
export async function checkServing(
  servingUrl: string,
  via: string,
  summary: ServingFigures,
  checks: Checks,
  pinned?: PinnedHosts,
): Promise<void> {
  await checks.check(`training published a model, and serving answers predictions with it ${via}`, async () => {
    const run = await servedModelRun(servingUrl, pinned);
    const answer = await predict(servingUrl, { instances: [[0.5, -0.25, 1]] }, pinned);
    const body = answer.body as { predictions?: number[]; model_run?: string };
    summary.predictionOk =
      answer.status === 200 && body.predictions?.length === 1 && Number.isFinite(body.predictions[0]);
    expect(summary.predictionOk, `POST /predict answered HTTP ${answer.status}: ${JSON.stringify(body)}`);
    expect(
      body.model_run === run,
      `the prediction came from model ${String(body.model_run)}, not the published ${run}`,
    );
    return `model ${run}; prediction ${body.predictions?.[0]?.toFixed(4)}`;
  });
  await checks.check(`bad input to serving gets HTTP 400 ${via}`, async () => {
    const answer = await predict(servingUrl, { instances: [["not", "numbers"]] }, pinned);
    summary.badInputStatus = answer.status;
    expect(answer.status === 400, `bad input answered HTTP ${answer.status}`);
    return "HTTP 400";
  });
}

/** The figures of the retraining check, where retraining is a Prefect deployment (Docker, Swarm). */
export interface RetrainingFigures {
  retrainingDeployment: { schedule: string; concurrencyLimit: number | null; runCompleted: boolean };
}

/** Retraining is a Prefect deployment on the cron schedule in UTC, limited to one run at a time; a run of it, started now, completes. */
export async function checkRetrainingDeployment(
  api: PrefectApi,
  config: Record<string, unknown>,
  summary: RetrainingFigures,
  checks: Checks,
): Promise<void> {
  const schedule = section<{ schedule: string }>(config, "retraining").schedule;
  await checks.check("retraining is a Prefect deployment on its cron schedule, and a run of it completes", async () => {
    const deployment = await api.request<{
      id: string;
      schedules: { schedule: { cron?: string; timezone?: string } }[];
      concurrency_limit?: number | null;
      global_concurrency_limit?: { limit: number } | null;
    }>("GET", "/deployments/name/retraining/retraining");
    const cron = deployment.schedules.map((entry) => `${entry.schedule.cron} (${entry.schedule.timezone})`);
    summary.retrainingDeployment.schedule = cron.join(", ");
    summary.retrainingDeployment.concurrencyLimit =
      deployment.global_concurrency_limit?.limit ?? deployment.concurrency_limit ?? null;
    expect(
      deployment.schedules.some((entry) => entry.schedule.cron === schedule && entry.schedule.timezone === "UTC"),
      `the deployment's schedules are ${cron.join(", ") || "none"}, not "${schedule}" in UTC`,
    );
    expect(summary.retrainingDeployment.concurrencyLimit === 1, "the deployment's concurrency limit is not 1");
    const runId = (await api.createFlowRun(deployment.id, {})).id;
    const [finished] = await waitFor("the retraining run to finish", 600, async () => {
      const runs = await api.flowRuns([runId]);
      return FINISHED.includes(String(runs[0]?.state_type)) ? runs : undefined;
    });
    summary.retrainingDeployment.runCompleted = finished.state_type === "COMPLETED";
    expect(
      summary.retrainingDeployment.runCompleted,
      `the retraining run ended ${finished.state_type}: ${finished.state?.message ?? "no message"}`,
    );
    return `schedule ${summary.retrainingDeployment.schedule}, concurrency limit 1; run ${finished.name} COMPLETED`;
  });
}
