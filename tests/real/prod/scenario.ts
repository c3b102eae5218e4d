/**
 * The prod stack on the suite's single-node Kubernetes, end to end: refuse a
 * broken config before any object exists, deploy, check what the cluster and
 * Prefect report, run the shipped flows as Kubernetes Jobs, serve the trained
 * model through the ingress, check admission and autoscaling metrics, roll
 * serving out under load, tear down keeping storage and come back with the
 * data intact.
 *
 * Deploy path: a real Pulumi engine (engine-deploy.ts), through the command a
 * user runs, `npm run up -- prod`, and `npm run destroy -- prod --yes
 * --exclude-protected` for the teardown that keeps storage. If the engine
 * cannot be built here, its set-up check fails with the reason and the
 * platform is deployed from the render's manifests with kubectl instead
 * (manifest-deploy.ts), so every other check still reports.
 */
import * as fs from "fs";
import * as path from "path";
import { Checks, expect } from "../checks";
import { PinnedHosts } from "../http";
import { PrefectApi } from "../prefect-api";
import {
  BROKEN_KEYS,
  BROKEN_SETTINGS,
  STACK_TRACE,
  checkPrefect,
  checkBalancing,
  checkServing,
  checkShippedFlowRuns,
  expectBrokenConfigRefused,
  prefectLogin,
  servedModelRun,
  stepRunner,
} from "../platform-checks";
import { renderStackFile } from "../render-stack";
import { requestLoop } from "../serving-load";
import { Engine, startEngine } from "../setup/engine";
import { ensureStandInImages } from "../setup/images";
import { EXECUTOR_NAMESPACE_RULES } from "../../../components/kubernetes/worker-pool";
import { Cluster, startCluster, stopCluster } from "../setup/kubernetes/cluster";
import { PAUSE_IMAGE } from "../setup/kubernetes/layout";
import { installAddons } from "../setup/kubernetes/addons";
import { importImages } from "../setup/kubernetes/images";
import { repoRoot } from "../setup/repo-paths";
import { Log, run, sleep } from "../setup/run";
import { deepMerge, platformSettings, suiteConfig, writeStackFile } from "../stack-files";
import { section, seconds, waitFor } from "../wait";
import { JobTracker } from "./job-tracker";
import { EngineDeploy } from "./engine-deploy";
import { ManifestDeploy, STORAGE_KINDS } from "./manifest-deploy";
import { ensurePulumiEngine, KUBERNETES_PROVIDER_VERSION, PULUMI_VERSION, PulumiEngine } from "../setup/pulumi-engine";
import { PREFECT_AUTH_USER } from "../../../platform/describe";
import { emptySummary, ProdSummary } from "./summary";

const STACK = "prod";
const OVERLAYS = ["small-node", "short-timers"];
/** 10 training and 40 fan-out runs: 50 executor Jobs, more than the pool runs at once. */
const FLOW_RUNS = { training: 10, fanOut: 40 };
/** The TTL controller acts on its next pass after a Job's TTL, and the API server is busy on 2 cores. */
const TTL_CONTROLLER_SLACK_SECONDS = 90;
/** Concurrent request loops that load serving; each sends its next request when the last is answered. */
const LOAD_LOOPS = 6;
/** Metrics reach the autoscaler about once a minute (metrics-server's resolution and the HPA's sync). */
const SCALE_UP_TIMEOUT_SECONDS = 300;
const LOAD_AFTER_SCALE_UP_SECONDS = 30;
const SCALE_DOWN_SLACK_SECONDS = 180;
const READY_TIMEOUT_SECONDS = 900;
/** Where the ingress controller listens on the node. */
const INGRESS_PORT = 80;
const AUTH_PASSWORD_RESOURCE = "ml-platform-secrets-values-prefect-auth-password";

export interface ProdOptions {
  keep: boolean;
  log: Log;
  checks: Checks;
}

interface Platform {
  cluster: Cluster;
  /** The objects of the render of the config deployed last, and kubectl. */
  deploy: ManifestDeploy;
  /** The Pulumi engine that deploys, or undefined on the kubectl path. */
  engine: EngineDeploy | undefined;
  api: PrefectApi;
  servingUrl: string;
  pinned: PinnedHosts;
  /** user:password, as a user reads it from the render's .env. */
  login: string;
  config: Record<string, unknown>;
  namespace: string;
  executorNamespace: string;
}

interface KubernetesList<T> {
  items: T[];
}

interface Pod {
  metadata: { name: string; labels?: Record<string, string>; ownerReferences?: { kind: string }[] };
  status: {
    phase: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { ready: boolean; restartCount: number }[];
  };
}

interface Job {
  metadata: { name: string; creationTimestamp: string };
  status: { succeeded?: number; failed?: number };
}

interface JobWithSpec extends Job {
  spec: { parallelism?: number; completions?: number; activeDeadlineSeconds?: number };
}

function kubernetesSettings(config: Record<string, unknown>): { namespace: string; executorNamespace: string } {
  return section<{ namespace: string; executorNamespace: string }>(config, "kubernetes");
}

/** Names in the platform's namespaces, or an empty list when they do not exist. */
async function platformObjects(deploy: ManifestDeploy, namespaces: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const namespace of namespaces) {
    const result = await deploy
      .kubectl(["get", "all,configmaps,secrets,pvc", "-n", namespace, "-o", "name"])
      .catch(() => ({ stdout: "" }));
    names.push(...result.stdout.split("\n").filter((line) => line.trim() !== "" && !/kube-root-ca/.test(line)));
  }
  return names;
}

async function namespaceExists(deploy: ManifestDeploy, namespace: string): Promise<boolean> {
  const result = await deploy.kubectl(["get", "namespace", namespace, "--ignore-not-found", "-o", "name"]);
  return result.stdout.trim() !== "";
}

/** A broken stack file must be refused by the render, naming the keys, with no object created. */
async function refuseBrokenConfig(
  deploy: ManifestDeploy,
  outDir: string,
  config: Record<string, unknown>,
  summary: ProdSummary,
  checks: Checks,
): Promise<void> {
  const { namespace, executorNamespace } = kubernetesSettings(config);
  await checks.check("a broken stack config is refused before any object exists", async () => {
    await expectBrokenConfigRefused(STACK, config, outDir);
    const objects = await platformObjects(deploy, [namespace, executorNamespace]);
    const namespaces = [
      (await namespaceExists(deploy, namespace)) ? namespace : "",
      (await namespaceExists(deploy, executorNamespace)) ? executorNamespace : "",
    ].filter((name) => name !== "");
    summary.badConfigObjectsCreated = objects.length + namespaces.length;
    expect(
      summary.badConfigObjectsCreated === 0,
      `after the refusal the cluster holds ${[...namespaces, ...objects].join(", ")}`,
    );
    return "render refused naming worker.replicas and serving.port; the API server reports neither namespace";
  });
}

/** The stack's resources the random provider would have to create: none when every secret is supplied. */
const RANDOM_RESOURCE_PREFIX = "random:";
/** The root resource every stack has, even one whose program failed. */
const STACK_RESOURCE_TYPE = "pulumi:pulumi:Stack";

/**
 * The same broken config, as a user meets it: `npm run up` of a stack holding it must fail naming both keys,
 * without a stack trace, leaving the stack's state without a resource and the cluster without an object.
 */
async function refuseBrokenConfigWithEngine(
  pulumi: PulumiEngine,
  platform: { cluster: Cluster; deploy: ManifestDeploy },
  outDir: string,
  config: Record<string, unknown>,
  summary: ProdSummary,
  checks: Checks,
  log: Log,
): Promise<void> {
  const { namespace, executorNamespace } = kubernetesSettings(config);
  await checks.check("npm run up of a broken stack config fails naming its keys, and nothing is deployed", async () => {
    const broken = new EngineDeploy(pulumi, platform.cluster, "broken", path.join(outDir, "engine-broken"), log);
    await broken.create(deepMerge(config, BROKEN_SETTINGS) as Record<string, unknown>);
    const failure = await broken.up().then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure !== undefined, "pulumi up accepted worker.replicas 0 and serving.port 70000");
    for (const key of BROKEN_KEYS)
      expect(failure.includes(key), `the refusal does not name ${key}: ${failure.slice(-600)}`);
    expect(!STACK_TRACE.test(failure), `the refusal printed a stack trace: ${failure.slice(-600)}`);
    const registered = (await broken.resourceTypes()).filter((type) => type !== STACK_RESOURCE_TYPE);
    summary.badConfigEngineResources = registered.length;
    expect(registered.length === 0, `the stack's state holds ${registered.join(", ")}`);
    const objects = await platformObjects(platform.deploy, [namespace, executorNamespace]);
    expect(objects.length === 0, `after the refusal the cluster holds ${objects.join(", ")}`);
    return `exit 1 naming ${BROKEN_KEYS.join(" and ")}, no stack trace; 0 resources in the state, 0 objects in the cluster`;
  });
}

/** The names of serving's running pods (a pod's host name is its name). */
async function servingPodNames(platform: Platform): Promise<string[]> {
  const pods = await platform.deploy.json<KubernetesList<Pod>>([
    "get",
    "pods",
    "-n",
    platform.namespace,
    "-l",
    "app.kubernetes.io/name=model-serving",
    "--field-selector",
    "status.phase=Running",
  ]);
  return pods.items.map((pod) => pod.metadata.name);
}

async function deployPlatform(platform: Platform, summary: ProdSummary, checks: Checks): Promise<boolean> {
  const { deploy, engine, namespace } = platform;
  const started = Date.now();
  return checks.check("every pod becomes ready and the training Job completes", async () => {
    if (engine) {
      summary.pulumiUpSeconds = await engine.up();
      const types = await engine.resourceTypes();
      summary.engineResources = types.length;
      const generated = types.filter((type) => type.startsWith(RANDOM_RESOURCE_PREFIX));
      expect(generated.length === 0, `the stack holds ${generated.join(", ")}, which this engine cannot create`);
      const authString = await engine.output("prefectAuthString");
      expect(authString === platform.login, "the stack output prefectAuthString is not the supplied Prefect login");
      const leaks = engine.secretsInPlainText();
      summary.secretsInEngineFiles = leaks.length;
      expect(leaks.length === 0, `supplied secrets in plain text: ${leaks.join(", ")}`);
    } else {
      await deploy.apply();
    }
    // `pulumi up` has waited for the rollouts and the Job already; what the cluster reports is the proof.
    await deploy.waitReady(READY_TIMEOUT_SECONDS);
    summary.secondsToReady = seconds(started);
    const pods = await deploy.json<KubernetesList<Pod>>(["get", "pods", "-n", namespace]);
    const serving = pods.items.filter((pod) => !pod.metadata.ownerReferences?.some((owner) => owner.kind === "Job"));
    const ready = serving.filter((pod) =>
      pod.status.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True"),
    );
    summary.podsTotal = serving.length;
    summary.podsReady = ready.length;
    expect(
      ready.length === serving.length && serving.length > 0,
      `${ready.length}/${serving.length} pods ready: ${serving
        .filter((pod) => !ready.includes(pod))
        .map((pod) => `${pod.metadata.name} ${pod.status.phase}`)
        .join(", ")}`,
    );
    const by = engine
      ? `pulumi up (${summary.engineResources} resources in ${summary.pulumiUpSeconds}s; ${summary.secretsInEngineFiles} secrets in plain text in the stack file, the state or the output)`
      : "kubectl apply";
    return `${by}: ${ready.length}/${serving.length} long-running pods ready after ${summary.secondsToReady}s; ${deploy.ofKind("Job").length} Job(s) complete`;
  });
}

async function executorJobs(platform: Platform): Promise<Job[]> {
  const jobs = await platform.deploy.json<KubernetesList<Job>>([
    "get",
    "jobs",
    "-n",
    platform.executorNamespace,
    "-l",
    "app.kubernetes.io/managed-by=prefect-worker",
  ]);
  return jobs.items;
}

async function runFlows(platform: Platform, summary: ProdSummary, checks: Checks, log: Log): Promise<void> {
  const { api, deploy, namespace } = platform;
  const ok = await checks.check("the shipped flows deploy to the work pool from a worker pod", async () => {
    // As a user with kubectl would: the worker already holds the login (from its Secret) and the flows.
    const result = await deploy.kubectl(
      ["exec", "-n", namespace, "deployment/prefect-worker", "--", "python3", "/opt/ml-platform/flows/deploy.py"],
      180,
    );
    return result.stdout.trim().split("\n").join("; ");
  });
  if (!ok) {
    checks.cannotRun("the flow runs' checks", "the flows did not deploy");
    return;
  }
  const jobsBefore = new Set((await executorJobs(platform)).map((job) => job.metadata.name));
  const tracker = new JobTracker(deploy, platform.executorNamespace, jobsBefore);
  try {
    await checkShippedFlowRuns(
      FLOW_RUNS,
      "each in a Job of its own in the executor namespace",
      api,
      platform.config,
      summary,
      checks,
      // Flow runs hand their model to serving's intake: their claims are not serving's.
      { url: platform.servingUrl, pinned: platform.pinned },
      (runs) => expectOneJobPerRun(platform, tracker, runs.length, summary),
    );
    await checkJobsCleanedByTtl(platform, tracker, summary, checks);
  } finally {
    const trouble = await tracker.stop();
    if (trouble) log(`the last failed listing of executor Jobs: ${trouble}`);
  }
}

/** The worker made one Job per flow run, each succeeded, and none carries the Prefect login. */
async function expectOneJobPerRun(
  platform: Platform,
  tracker: JobTracker,
  runs: number,
  summary: ProdSummary,
): Promise<string> {
  // A run reports COMPLETED from inside its pod, moments before the pod exits and its Job succeeds.
  const jobs = await waitFor("the runs' Jobs finishing", 180, async () => {
    const seen = tracker.seen();
    return seen.length >= runs && seen.every((job) => job.finishedAt !== undefined) ? seen : undefined;
  }).catch(() => tracker.seen());
  summary.executorJobsCreated = jobs.length;
  expect(
    jobs.length === runs,
    `the worker created ${jobs.length} Jobs in ${platform.executorNamespace} for ${runs} flow runs`,
  );
  const succeeded = jobs.filter((job) => job.succeeded).length;
  expect(succeeded === runs, `${succeeded} of ${jobs.length} executor Jobs succeeded`);
  // The login reaches flow runs from a Secret; the worker must not have written it into a Job. The
  // Jobs still there (the TTL removes the rest) all come from the same template.
  const specs = await platform.deploy.json<KubernetesList<JobWithSpec>>([
    "get",
    "jobs",
    "-n",
    platform.executorNamespace,
  ]);
  expect(specs.items.length > 0, "every executor Job was gone before its spec could be read");
  const password = platform.login.slice(platform.login.indexOf(":") + 1);
  summary.loginInJobSpecs = JSON.stringify(specs.items).includes(password);
  expect(!summary.loginInJobSpecs, "the Prefect password appears in an executor Job's spec");
  // What the base job template sets on the Job itself, as the API server kept it.
  const deadline = platformSettings(platform.config).kubernetes.executorDeadlineSeconds;
  const unlike = specs.items.filter(
    ({ spec }) => spec.parallelism !== 1 || spec.completions !== 1 || spec.activeDeadlineSeconds !== deadline,
  );
  expect(
    unlike.length === 0,
    `Jobs without parallelism 1, completions 1 and a ${deadline}s deadline: ${unlike.map((job) => `${job.metadata.name} ${JSON.stringify(job.spec)}`).join("; ")}`.slice(
      0,
      600,
    ),
  );
  return `${jobs.length} Jobs (${succeeded} succeeded); the ${specs.items.length} still listed run one pod with a ${deadline}s deadline and hold no Prefect password`;
}

/** Every finished executor Job goes once its TTL has run out, and none before. */
async function checkJobsCleanedByTtl(
  platform: Platform,
  tracker: JobTracker,
  summary: ProdSummary,
  checks: Checks,
): Promise<void> {
  const ttl = section<{ executor: { ttlSecondsAfterFinished: number } }>(platform.config, "worker").executor
    .ttlSecondsAfterFinished;
  summary.executorJobTtlSeconds = ttl;
  await checks.check(`finished executor Jobs are deleted ${ttl}s after they end, by their TTL`, async () => {
    const jobs = await tracker.waitAllGone(ttl + TTL_CONTROLLER_SLACK_SECONDS);
    const cleaned = jobs.filter((job) => job.finishedAt !== undefined && job.goneAt !== undefined);
    const kept = jobs.filter((job) => job.goneAt === undefined).map((job) => job.name);
    const unfinished = jobs.filter((job) => job.finishedAt === undefined && job.goneAt !== undefined);
    summary.ttlCleanedJobs = cleaned.length;
    expect(kept.length === 0, `${kept.length} Jobs still there ${ttl + TTL_CONTROLLER_SLACK_SECONDS}s on: ${kept}`);
    expect(unfinished.length === 0, `${unfinished.length} Jobs went before they were seen to finish`);
    // Seen finished up to one listing late, seen gone up to one listing late: compare with that margin.
    const lifetimes = cleaned.map((job) => ((job.goneAt ?? 0) - (job.finishedAt ?? 0)) / 1000);
    const shortest = Math.min(...lifetimes);
    expect(shortest >= ttl - 3, `a Job went ${shortest.toFixed(1)}s after it finished, before its ${ttl}s TTL`);
    return `${cleaned.length} of ${summary.executorJobsCreated} Jobs deleted ${shortest.toFixed(0)}-${Math.max(...lifetimes).toFixed(0)}s after finishing`;
  });
}

async function checkCluster(platform: Platform, summary: ProdSummary, checks: Checks): Promise<void> {
  const { deploy, namespace, executorNamespace } = platform;
  await checks.check("the serving autoscaler reads CPU utilisation from the metrics API", async () => {
    const [hpa] = deploy.ofKind("HorizontalPodAutoscaler");
    expect(hpa !== undefined, "the render has no HorizontalPodAutoscaler");
    const percent = await waitFor("HPA metrics", 240, async () => {
      const status = await deploy.json<{
        status: { currentMetrics?: { resource?: { current?: { averageUtilization?: number } } }[] };
      }>(["get", "hpa", "-n", namespace, hpa.name]);
      const value = status.status.currentMetrics?.[0]?.resource?.current?.averageUtilization;
      return typeof value === "number" ? value : undefined;
    });
    summary.hpaCurrentCpuPercent = percent;
    return `${hpa.name}: current CPU utilisation ${percent}%`;
  });
  await checkAutoscaling(platform, summary, checks);
  await checks.check("Pod Security admission refuses a privileged pod in both namespaces", async () => {
    const refusals: string[] = [];
    for (const target of [namespace, executorNamespace]) {
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "privileged-probe", namespace: target },
        spec: { containers: [{ name: "probe", image: PAUSE_IMAGE, securityContext: { privileged: true } }] },
      };
      const outcome = await deploy.kubectl(["apply", "--dry-run=server", "-f", "-"], 60, JSON.stringify(pod)).then(
        () => "admitted",
        (error: Error) => error.message,
      );
      const refused = /violates PodSecurity "([^"]+)"/.exec(outcome);
      expect(refused !== null, `a privileged pod was admitted in ${target}: ${outcome.slice(0, 300)}`);
      refusals.push(`${target}: ${refused[1]}`);
    }
    summary.pssEnforced = true;
    return `refused (${refusals.join("; ")})`;
  });
  await checks.check("the worker's service account may do what Prefect's worker needs, and nothing more", async () => {
    const account = `system:serviceaccount:${namespace}:prefect-worker`;
    const can = async (verb: string, resource: string, where: string): Promise<boolean> => {
      const answer = await deploy.kubectl(["auth", "can-i", verb, resource, "-n", where, `--as=${account}`]).then(
        (result) => result.stdout.trim(),
        (error: Error) => error.message.trim().split("\n").pop() ?? "",
      );
      return /^yes$/m.test(answer);
    };
    const needed = EXECUTOR_NAMESPACE_RULES.flatMap((rule) =>
      (rule.resources as string[]).flatMap((resource) => (rule.verbs as string[]).map((verb) => [verb, resource])),
    );
    const missing: string[] = [];
    for (const [verb, resource] of needed)
      if (!(await can(verb, resource, executorNamespace))) missing.push(`${verb} ${resource} in ${executorNamespace}`);
    const tempting: [string, string, string][] = [
      ["get", "secrets", executorNamespace],
      ["list", "secrets", namespace],
      ["create", "pods", executorNamespace],
      ["create", "pods/exec", executorNamespace],
      ["create", "jobs", namespace],
      ["patch", "deployments", namespace],
      ["get", "configmaps", namespace],
      ["list", "nodes", ""],
      ["list", "namespaces", ""],
      ["create", "rolebindings", executorNamespace],
    ];
    const extra: string[] = [];
    for (const [verb, resource, where] of tempting)
      if (await can(verb, resource, where || namespace))
        extra.push(`${verb} ${resource}${where ? ` in ${where}` : ""}`);
    summary.rbacMissingGrants = missing;
    summary.rbacExtraGrants = extra;
    expect(missing.length === 0, `missing: ${missing.join(", ")}`);
    expect(extra.length === 0, `granted beyond need: ${extra.join(", ")}`);
    return `${needed.length} needed grants all allowed; ${tempting.length} others all refused (kubectl auth can-i as ${account})`;
  });
  await checks.check("a run of the retraining CronJob, started now, completes", async () => {
    const [cronJob] = deploy.ofKind("CronJob");
    expect(cronJob !== undefined, "the render has no CronJob");
    const name = `${cronJob.name}-suite-${Date.now().toString(36)}`;
    await deploy.kubectl(["create", "job", "-n", namespace, name, `--from=cronjob/${cronJob.name}`]);
    await deploy.kubectl(["wait", "-n", namespace, "--for=condition=complete", `job/${name}`, "--timeout=600s"], 660);
    summary.cronJobRunOk = true;
    return `job/${name} from cronjob/${cronJob.name} Complete`;
  });
}

interface AutoscalerStatus {
  status: { currentReplicas?: number; desiredReplicas?: number };
}

/** Serving scales out under a CPU load loop through the ingress, and back to its minimum after it. */
async function checkAutoscaling(platform: Platform, summary: ProdSummary, checks: Checks): Promise<void> {
  const { minReplicas, maxReplicas, scaleDownStabilizationSeconds } = section<{
    autoscaling: { minReplicas: number; maxReplicas: number; scaleDownStabilizationSeconds: number };
  }>(platform.config, "serving").autoscaling;
  summary.hpaBounds = { minReplicas, maxReplicas };
  await checks.check(
    `serving scales out under load and back to ${minReplicas} replicas ${scaleDownStabilizationSeconds}s after it`,
    async () => {
      const [hpa] = platform.deploy.ofKind("HorizontalPodAutoscaler");
      const replicas = async () => {
        const { status } = await platform.deploy.json<AutoscalerStatus>([
          "get",
          "hpa",
          "-n",
          platform.namespace,
          hpa.name,
        ]);
        return status.currentReplicas ?? 0;
      };
      const loadStarted = Date.now();
      const scaleOut = async (): Promise<{ most: number; after: number }> => {
        let most = await waitFor("serving scaling out", SCALE_UP_TIMEOUT_SECONDS, async () => {
          const now = await replicas();
          return now > minReplicas ? now : undefined;
        });
        const after = seconds(loadStarted);
        // Keep the load a little longer to see how far the autoscaler goes.
        const until = Date.now() + LOAD_AFTER_SCALE_UP_SECONDS * 1000;
        while (Date.now() < until) {
          most = Math.max(most, await replicas());
          await sleep(5000);
        }
        return { most, after };
      };
      let stopLoad: () => void = () => undefined;
      const loadStopped = new Promise<void>((resolve) => (stopLoad = resolve));
      const loops = Array.from({ length: LOAD_LOOPS }, () =>
        requestLoop(
          platform.servingUrl,
          loadStopped,
          SCALE_UP_TIMEOUT_SECONDS + LOAD_AFTER_SCALE_UP_SECONDS,
          platform.pinned,
        ),
      );
      let scaled: { most: number; after: number };
      try {
        scaled = await scaleOut();
      } finally {
        stopLoad();
      }
      const { most } = scaled;
      const load = (await Promise.all(loops)).reduce((sum, loop) => sum + loop.requests, 0);
      summary.hpaMaxReplicas = most;
      expect(most <= maxReplicas, `${most} replicas, above maxReplicas ${maxReplicas}`);
      const loadEnded = Date.now();
      await waitFor("serving scaling back in", scaleDownStabilizationSeconds + SCALE_DOWN_SLACK_SECONDS, async () =>
        (await replicas()) === minReplicas ? true : undefined,
      );
      summary.hpaScaledDown = true;
      return `${load} requests from ${LOAD_LOOPS} loops: ${minReplicas} -> ${most} replicas (first step after ${scaled.after}s), back to ${minReplicas} ${seconds(loadEnded)}s after the load stopped`;
    },
  );
}

/** The memory limits of every serving pod there is, draining ones included. */
async function servingMemoryLimits(platform: Platform): Promise<string[]> {
  const pods = await platform.deploy.json<
    KubernetesList<Pod & { spec: { containers: { resources: { limits: { memory: string } } }[] } }>
  >(["get", "pods", "-n", platform.namespace, "-l", "app.kubernetes.io/name=model-serving"]);
  return pods.items.map((pod) => pod.spec.containers[0].resources.limits.memory);
}

/** A change of serving's memory limit, rolled out by the Deployment while a request loop runs. */
async function rollServing(
  platform: Platform,
  outDir: string,
  renderDir: string,
  summary: ProdSummary,
  checks: Checks,
  log: Log,
): Promise<void> {
  const changed = deepMerge(platform.config, {
    "ml-platform:serving": { resources: { limits: { memory: "384Mi" } } },
  }) as Record<string, unknown>;
  await checks.check("a change of serving's settings rolls out with zero failed requests", async () => {
    const file = writeStackFile(outDir, STACK, changed, "rolled");
    const outcome = await renderStackFile(STACK, file, renderDir);
    expect(outcome.ok, `the changed config did not render: ${outcome.output}`);
    const deploy = new ManifestDeploy(platform.cluster, path.join(renderDir, STACK), log);
    let finish: () => void = () => undefined;
    const rolled = new Promise<void>((resolve) => (finish = resolve));
    const load = requestLoop(platform.servingUrl, rolled, 600, platform.pinned);
    try {
      if (platform.engine) {
        await platform.engine.set("serving.resources.limits.memory", "384Mi");
        // What a reviewer sees first: the preview names the one Deployment and the new limit.
        const diff = await platform.engine.preview();
        summary.previewShowedChange = /model-serving/.test(diff) && /384Mi/.test(diff);
        expect(summary.previewShowedChange, `npm run preview did not show serving's new limit:\n${diff.slice(-1500)}`);
        await platform.engine.up();
      } else {
        await deploy.apply();
      }
      await deploy.kubectl(
        ["rollout", "status", "-n", platform.namespace, "deployment/model-serving", "--timeout=600s"],
        660,
      );
      // The rollout is done when the new pods are ready; the old ones are still draining. Keep the
      // requests coming until they are gone, since that is when a lost request would show.
      await waitFor("the old serving pods going", 180, async () => {
        const limits = await servingMemoryLimits(platform);
        return limits.every((limit) => limit === "384Mi") ? limits : undefined;
      }).catch(() => undefined);
      await sleep(2000);
    } finally {
      finish();
    }
    const result = await load;
    summary.rollingUpdateRequests = result.requests;
    summary.rollingUpdateFailures = result.failures;
    const limits = await servingMemoryLimits(platform);
    expect(
      limits.length >= 2 && limits.every((limit) => limit === "384Mi"),
      `serving pods' memory limits after the rollout: ${limits.join(", ")}`,
    );
    expect(result.requests >= 20, `only ${result.requests} requests were sent during the rollout`);
    expect(result.failures === 0, `${result.failures} failed: ${result.firstFailures.join(" | ")}`);
    platform.deploy = deploy;
    const reviewed = platform.engine ? "npm run preview showed the change, then npm run up: " : "";
    return `${reviewed}${limits.length} serving pods now 384Mi; ${result.requests} requests, 0 failed`;
  });
}

/** Teardown that keeps storage (claims, namespaces), then a new apply: models, flow-run history and the login survive. */
async function redeployKeepingData(platform: Platform, summary: ProdSummary, checks: Checks): Promise<void> {
  const { deploy, engine, api, namespace } = platform;
  await checks.check(
    "teardown keeping storage, then a new deploy, keeps the model, flow-run history and the DB login",
    async () => {
      const modelBefore = await servedModelRun(platform.servingUrl, platform.pinned);
      const runsBefore = await api.countFlowRuns();
      if (engine) await engine.destroyKeepingStorage();
      else await deploy.delete(STORAGE_KINDS);
      // The engine keeps what is protected: the claims, the namespaces and the database's StatefulSet, whose
      // pod keeps running. Everything else goes; deleting a workload returns before its pods are gone.
      const unprotectedPods = async (): Promise<string[]> =>
        (await deploy.json<KubernetesList<Pod>>(["get", "pods", "-n", namespace])).items
          .filter((pod) => !(engine && pod.metadata.ownerReferences?.some((owner) => owner.kind === "StatefulSet")))
          .map((pod) => pod.metadata.name);
      const left = await waitFor("the platform's pods going", 180, async () => {
        const pods = await unprotectedPods();
        return pods.length === 0 ? pods : undefined;
      }).catch(unprotectedPods);
      expect(left.length === 0, `pods left 180s after teardown: ${left.join(", ")}`);
      const claims = await deploy.json<KubernetesList<{ metadata: { name: string } }>>(["get", "pvc", "-n", namespace]);
      expect(claims.items.length >= 3, `${claims.items.length} claims survived teardown in ${namespace}`);
      if (engine) await engine.up();
      else await deploy.apply();
      await deploy.waitReady(READY_TIMEOUT_SECONDS);
      // A ready server has connected to Postgres with the password kept in .env; ask it for data to be sure.
      const runsAfter = await api.countFlowRuns();
      const modelAfter = await servedModelRun(platform.servingUrl, platform.pinned);
      summary.dataKeptAcrossRedeploy = runsAfter >= runsBefore;
      expect(runsAfter >= runsBefore, `Prefect had ${runsBefore} flow runs before and ${runsAfter} after`);
      return `${claims.items.length} claims kept; ${runsAfter} flow runs (${runsBefore} before); model ${modelBefore} before, ${modelAfter} after`;
    },
  );
}

async function saveLogs(platform: Platform, file: string, log: Log): Promise<void> {
  const parts: string[] = [];
  for (const namespace of [platform.namespace, platform.executorNamespace, "kube-system", "ingress"]) {
    const events = await platform.deploy
      .kubectl(["get", "events", "-n", namespace, "--sort-by=.lastTimestamp"])
      .catch((error: Error) => ({ stdout: error.message }));
    parts.push(`### events in ${namespace}\n${events.stdout}`);
    const pods = await platform.deploy
      .kubectl(["get", "pods", "-n", namespace, "-o", "name"])
      .catch(() => ({ stdout: "" }));
    for (const pod of pods.stdout.split("\n").filter((line) => line.trim() !== "")) {
      const logs = await platform.deploy
        .kubectl(["logs", "-n", namespace, pod, "--all-containers", "--tail=300"])
        .catch((error: Error) => ({ stdout: error.message }));
      parts.push(`### ${namespace}/${pod}\n${logs.stdout}`);
    }
  }
  fs.writeFileSync(file, parts.join("\n"));
  log(`cluster events and pod logs: ${file}`);
}

async function setUp(log: Log, summary: ProdSummary): Promise<{ engine: Engine; cluster: Cluster }> {
  const engine = await startEngine(log);
  const images = await ensureStandInImages(engine, log, "prod");
  const clusterStarted = Date.now();
  const cluster = await startCluster(log);
  summary.setup.cluster = { version: cluster.version, seconds: seconds(clusterStarted) };
  summary.kubernetesVersion = cluster.version;
  const node = await run(cluster.kubectl, [
    "--kubeconfig",
    cluster.kubeconfig,
    "get",
    "node",
    cluster.nodeName,
    "-o",
    "jsonpath={.status.nodeInfo.containerRuntimeVersion} {.status.nodeInfo.kernelVersion} {.status.allocatable.cpu} CPU",
  ]);
  summary.node = `${cluster.nodeName} (${cluster.nodeIp}): ${node.stdout.trim()}`;
  const addonsStarted = Date.now();
  const addons = await installAddons(cluster, engine, log);
  summary.addons = addons.versions;
  summary.networkPolicyEnforcement = addons.networkPolicyEnforcement;
  summary.setup.addons = { seconds: seconds(addonsStarted) };
  const tags = [images.prefectServer, images.prefectWorker, images.postgres, images.serving, images.training];
  const imported = await importImages(cluster, engine, [...new Set(tags)], log);
  summary.setup.images = { built: images.built, reused: images.reused, imported, seconds: images.seconds };
  return { engine, cluster };
}

export async function runProd(options: ProdOptions): Promise<ProdSummary> {
  const { log, checks } = options;
  const summary = emptySummary();
  const outDir = path.join(repoRoot(), "out", "real", STACK);
  const renderDir = path.join(outDir, "render");
  const setupStarted = Date.now();
  let engine: Engine | undefined;
  let cluster: Cluster | undefined;
  const setupOk = await checks.check(
    "set-up: the stand-in images, the single-node Kubernetes cluster and its addons",
    async () => {
      ({ engine, cluster } = await setUp(log, summary));
      summary.setup.seconds = seconds(setupStarted);
      return `Kubernetes ${summary.kubernetesVersion}, node ${summary.node}; addons ${Object.entries(summary.addons)
        .map(([name, version]) => `${name} ${version}`)
        .join(", ")}; ${summary.setup.seconds}s`;
    },
  );
  if (!setupOk || !engine || !cluster) {
    checks.cannotRun("the prod platform's checks", "set-up failed (see above)");
    return summary;
  }
  let pulumi: PulumiEngine | undefined;
  await checks.check(
    `set-up: the Pulumi engine (CLI ${PULUMI_VERSION} and Kubernetes provider ${KUBERNETES_PROVIDER_VERSION}, built from their Go modules)`,
    async () => {
      try {
        pulumi = await ensurePulumiEngine(log);
      } catch (error) {
        summary.deployPath = "kubectl";
        summary.deployPathReason = `the Pulumi engine could not be built, so the render's manifests are applied with kubectl: ${error instanceof Error ? error.message : String(error)}`;
        throw error;
      }
      summary.engine = {
        pulumi: pulumi.pulumiVersion,
        kubernetesProvider: pulumi.kubernetesProviderVersion,
        seconds: Math.round((pulumi.pulumiSeconds + pulumi.kubernetesProviderSeconds) * 10) / 10,
        built: pulumi.buildSeconds > 0,
      };
      return `pulumi ${pulumi.pulumiVersion}, pulumi-resource-kubernetes ${pulumi.kubernetesProviderVersion}; ${pulumi.buildSeconds > 0 ? `built in ${pulumi.buildSeconds}s` : "cached"}`;
    },
  );

  const config = suiteConfig(STACK, OVERLAYS);
  const { namespace, executorNamespace } = kubernetesSettings(config);
  // A platform a previous run kept (--keep) goes first, storage too: each run proves a fresh deploy.
  const previous = path.join(renderDir, STACK);
  if (fs.existsSync(path.join(previous, "manifests"))) await removePlatform(cluster, previous, log);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });

  const stackFile = writeStackFile(outDir, STACK, config, "deployed");
  const rendered = await renderStackFile(STACK, stackFile, renderDir);
  if (!rendered.ok) {
    checks.cannotRun("deploying prod", `the suite's stack file did not render: ${rendered.output}`);
    return summary;
  }
  const deploy = new ManifestDeploy(cluster, path.join(renderDir, STACK), log);
  await refuseBrokenConfig(deploy, outDir, config, summary, checks);

  const server = section<{ publicUrl: string }>(config, "server");
  const ingressHost = new URL(server.publicUrl).hostname;
  const pinned: PinnedHosts = { [ingressHost]: cluster.nodeIp };
  let login = prefectLogin(renderDir, STACK, AUTH_PASSWORD_RESOURCE);
  let engineDeploy: EngineDeploy | undefined;
  if (pulumi) {
    const created = pulumi;
    await refuseBrokenConfigWithEngine(created, { cluster, deploy }, outDir, config, summary, checks, log);
    const ok = await checks.check(
      "the stack is created with the Pulumi CLI and its secrets supplied encrypted",
      async () => {
        engineDeploy = new EngineDeploy(created, cluster as Cluster, STACK, path.join(outDir, "engine"), log);
        const { prefectPassword } = await engineDeploy.create(config);
        login = `${PREFECT_AUTH_USER}:${prefectPassword}`;
        return `stack ${STACK} in ${engineDeploy.projectDir}; providedSecrets set with pulumi config set --secret --path`;
      },
    );
    if (!ok) {
      engineDeploy = undefined;
      summary.deployPathReason =
        "creating the stack with the Pulumi CLI failed (see that check), so the render's manifests are applied with kubectl";
    }
  }
  summary.deployPath = engineDeploy ? "pulumi" : "kubectl";
  const platform: Platform = {
    cluster,
    deploy,
    engine: engineDeploy,
    api: new PrefectApi(`${server.publicUrl.replace(/\/+$/, "")}/api`, login, pinned),
    login,
    servingUrl: `${server.publicUrl.replace(/\/+$/, "")}/serving`,
    pinned,
    config,
    namespace,
    executorNamespace,
  };
  summary.endpoints = {
    prefectApi: platform.api.url,
    serving: platform.servingUrl,
    ingress: `http://${cluster.nodeIp}:${INGRESS_PORT} (Host: ${ingressHost})`,
  };
  const step = stepRunner(checks, outDir, (file) => saveLogs(platform, file, log));
  try {
    let deployed = false;
    await step("deploy", async () => (deployed = await deployPlatform(platform, summary, checks)));
    if (deployed) {
      await step("prefect", () =>
        checkPrefect({ api: platform.api, config, pinned, via: "through the ingress", poolType: "kubernetes" }, checks),
      );
      await step("flows", () => runFlows(platform, summary, checks, log));
      await step("serving", () =>
        checkServing(platform.servingUrl, "through the ingress", summary, checks, platform.pinned),
      );
      await step("balancing", () =>
        checkBalancing(
          platform.servingUrl,
          "through the ingress",
          () => servingPodNames(platform),
          summary,
          checks,
          platform.pinned,
        ),
      );
      await step("cluster", () => checkCluster(platform, summary, checks));
      await step("rolling-update", () => rollServing(platform, outDir, renderDir, summary, checks, log));
      await step("redeploy", () => redeployKeepingData(platform, summary, checks));
    } else {
      checks.cannotRun("the running platform's checks", "the deploy did not become ready");
    }
  } finally {
    if (options.keep) {
      summary.kubeconfig = cluster.kubeconfig;
      summary.kubectl = cluster.kubectl;
      log(
        `--keep: the platform stays up (${platform.api.url} via ${summary.endpoints.ingress}); npm run test:real -- --stack prod --down removes it`,
      );
    } else {
      await removePlatform(cluster, platform.deploy.renderDir, log).catch((error: Error) =>
        log(`teardown failed: ${error.message}`),
      );
      await stopCluster(log);
    }
  }
  return summary;
}

/** Removes a deployed (or kept) platform, storage included: deleting its namespaces deletes what is in them. */
export async function removePlatform(cluster: Cluster, renderedStackDir: string, log: Log): Promise<void> {
  const deploy = new ManifestDeploy(cluster, renderedStackDir, log);
  await deploy.delete(new Set());
  log(`removed the ${STACK} platform (${deploy.namespaces().join(", ")})`);
}
