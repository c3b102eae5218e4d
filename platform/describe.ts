/**
 * Describes the ML platform from validated config, in target-neutral terms.
 * Of the target that will run it, it asks the registry one thing only: whether
 * it runs an autoscaler, which decides between serving's fixed replica count
 * and its autoscaling bounds.
 */
import { PlatformConfig, ResourcesConfig } from "../config/schema";
import {
  ContainerSpec,
  ExecutorPoolSpec,
  FileBundle,
  JobSpec,
  PlatformSpec,
  Probe,
  ProbeCheck,
  Replicas,
  Resources,
  ScheduledJobSpec,
  SecretSpec,
  ServiceSpec,
  VolumeMount,
  VolumeSpec,
} from "./model";
import { readFlowFile, readWorkloadFile } from "./project-root";
import { GeneratedSecretName, generatedKeys } from "../config/generated-secrets";
import { TARGETS } from "../components/registry";

export const PREFECT_PORT = 4200;
export const WORKER_HEALTH_PORT = 8080;
export const POSTGRES_PORT = 5432;
const APP_USER = { uid: 1000, gid: 1000 };
/** The postgres image's own postgres user, which owns its data directory. */
const POSTGRES_USER = { uid: 999, gid: 999 };

export const WORKLOAD_NAMES = {
  database: "postgres",
  server: "prefect-server",
  worker: "prefect-worker",
  serving: "model-serving",
  training: "training",
  retraining: "retraining",
} as const;

function resources(config: ResourcesConfig, gpus = 0): Resources {
  return { requests: { ...config.requests }, limits: { ...config.limits }, gpus };
}

function probe(check: ProbeCheck, failureThreshold: number, periodSeconds = 10): Probe {
  return { check, periodSeconds, timeoutSeconds: 5, failureThreshold };
}

const dataMount = (readOnly: boolean): VolumeMount => ({ volume: "data", path: "/data", readOnly });
const modelsMount = (readOnly: boolean): VolumeMount => ({ volume: "models", path: "/models", readOnly });

function describeVolumes(config: PlatformConfig): VolumeSpec[] {
  return (["data", "models"] as const).map((name) => ({
    name,
    size: config.volumes[name].size,
    accessMode: config.volumes[name].accessMode,
    storageClass: config.volumes[name].storageClass,
    protect: config.protectStorage,
  }));
}

/** The user name of Prefect's basic authentication; its password is generated. */
export const PREFECT_AUTH_USER = "admin";
/**
 * The `user:password` string every Prefect client presents and the server
 * checks: the API, the UI and the events websocket run code on the platform's
 * behalf, so none is open.
 */
export const PREFECT_AUTH = { secret: "prefect-auth", key: "auth-string" } as const;
/**
 * The bearer token of serving's model intake: flow runs that cannot write to
 * serving's models volume (Kubernetes runs them in a namespace of their own)
 * present it to hand over a trained model, and nothing else they hold opens
 * the platform.
 */
export const MODEL_PUBLISH_TOKEN = {
  secret: "model-publish",
  key: "token",
  fileVariable: "ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE",
} as const;
const MODEL_PUBLISH_TOKEN_VARIABLE = "ML_PLATFORM_MODEL_PUBLISH_TOKEN";

function describeSecrets(config: PlatformConfig): SecretSpec[] {
  const { user, name } = config.database;
  const supplied = (secret: GeneratedSecretName): Record<string, string> =>
    Object.fromEntries(
      Object.entries(config.providedSecrets[secret]).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
  return [
    {
      name: PREFECT_AUTH.secret,
      generated: generatedKeys(PREFECT_AUTH.secret),
      provided: supplied(PREFECT_AUTH.secret),
      derived: { [PREFECT_AUTH.key]: [{ literal: `${PREFECT_AUTH_USER}:` }, { secretKey: "password" }] },
      // Nothing stored depends on it: a new one reaches the server and every client in the same deploy.
      protect: false,
    },
    {
      name: MODEL_PUBLISH_TOKEN.secret,
      generated: generatedKeys(MODEL_PUBLISH_TOKEN.secret),
      provided: supplied(MODEL_PUBLISH_TOKEN.secret),
      derived: {},
      // Like the login: a new one reaches serving and the flow runs in the same deploy.
      protect: false,
    },
    {
      name: "postgres",
      generated: generatedKeys("postgres"),
      provided: supplied("postgres"),
      derived: {
        "database-url": [
          { literal: `postgresql+asyncpg://${user}:` },
          { secretKey: "password" },
          { literal: "@" },
          { serviceHost: WORKLOAD_NAMES.database },
          { literal: `:${POSTGRES_PORT}/${name}` },
        ],
      },
      protect: config.protectStorage,
    },
  ];
}

function describeDatabase(config: PlatformConfig): ServiceSpec {
  const { user, name, storage } = config.database;
  const ready = probe({ kind: "command", command: ["pg_isready", "-h", "127.0.0.1", "-U", user, "-d", name] }, 6);
  const container: ContainerSpec = {
    image: config.images.postgres,
    env: { POSTGRES_USER: user, POSTGRES_DB: name, PGDATA: "/var/lib/postgresql/data/pgdata" },
    secretEnv: { POSTGRES_PASSWORD: { secret: "postgres", key: "password", fileVariable: "POSTGRES_PASSWORD_FILE" } },
    serviceEnv: {},
    ports: [{ name: "postgres", port: POSTGRES_PORT }],
    resources: resources(config.database.resources),
    probes: { startup: { ...ready, failureThreshold: 30, periodSeconds: 5 }, readiness: ready, liveness: ready },
    mounts: [],
    bundles: [],
    user: POSTGRES_USER,
    writablePaths: ["/var/run/postgresql", "/tmp"],
    readOnlyRootFilesystem: true,
  };
  return {
    kind: "service",
    name: WORKLOAD_NAMES.database,
    component: "database",
    container,
    replicas: { mode: "fixed", count: 1 },
    scalable: false,
    zeroDowntimeUpdates: false,
    state: {
      volume: "postgres-data",
      path: "/var/lib/postgresql/data",
      size: storage.size,
      accessMode: storage.accessMode,
      storageClass: storage.storageClass,
      protect: config.protectStorage,
    },
    allowFrom: [{ kind: "workload", name: WORKLOAD_NAMES.server }],
    after: [],
  };
}

function describeServer(config: PlatformConfig): ServiceSpec {
  const publicUrl = config.server.publicUrl.replace(/\/+$/, "");
  const health = { kind: "http", path: "/api/health", port: "http" } as const;
  const container: ContainerSpec = {
    image: config.images.prefectServer,
    command: ["prefect", "server", "start"],
    env: {
      PREFECT_HOME: "/var/lib/prefect",
      // The image has no home for the unprivileged user; keep caches on a writable path.
      HOME: "/var/lib/prefect",
      PREFECT_SERVER_API_HOST: "0.0.0.0",
      PREFECT_SERVER_API_PORT: String(PREFECT_PORT),
      PREFECT_UI_URL: publicUrl,
      PREFECT_UI_API_URL: `${publicUrl}/api`,
      PREFECT_SERVER_ANALYTICS_ENABLED: "false",
      // The server copies its UI into this folder at start; by default that is inside
      // site-packages, which a read-only root filesystem refuses, and the server exits.
      PREFECT_UI_STATIC_DIRECTORY: "/var/lib/prefect/ui",
    },
    secretEnv: {
      PREFECT_SERVER_DATABASE_CONNECTION_URL: { secret: "postgres", key: "database-url" },
      PREFECT_SERVER_API_AUTH_STRING: { ...PREFECT_AUTH },
    },
    serviceEnv: {},
    ports: [{ name: "http", port: PREFECT_PORT }],
    resources: resources(config.server.resources),
    probes: {
      startup: probe(health, 30, 5),
      readiness: probe({ kind: "http", path: "/api/ready", port: "http" }, 3),
      liveness: probe(health, 6),
    },
    mounts: [],
    bundles: [],
    user: APP_USER,
    writablePaths: ["/var/lib/prefect", "/tmp"],
    readOnlyRootFilesystem: true,
  };
  return {
    kind: "service",
    name: WORKLOAD_NAMES.server,
    component: "orchestrator",
    container,
    replicas: { mode: "fixed", count: 1 },
    scalable: false,
    zeroDowntimeUpdates: true,
    allowFrom: [
      { kind: "ingress" },
      { kind: "workload", name: WORKLOAD_NAMES.worker },
      { kind: "executors", pool: WORKLOAD_NAMES.worker },
    ],
    publicEndpoint: { port: "http", url: publicUrl, pathPrefix: "/" },
    after: [WORKLOAD_NAMES.database],
  };
}

function trainingContainer(config: PlatformConfig): ContainerSpec {
  const { training } = config;
  return {
    image: config.images.training,
    command: ["python3", "/opt/ml/train.py"],
    args: ["--data", "/data", "--models", "/models", "--epochs", String(training.epochs)],
    env: { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1", HOME: "/tmp" },
    secretEnv: {},
    serviceEnv: {},
    ports: [],
    resources: resources(training.resources, training.gpu.enabled ? training.gpu.count : 0),
    probes: {},
    mounts: [dataMount(true), modelsMount(false)],
    bundles: [{ name: "training-code", directory: "/opt/ml", files: { "train.py": readWorkloadFile("train.py") } }],
    user: APP_USER,
    writablePaths: ["/tmp"],
    readOnlyRootFilesystem: true,
  };
}

function describeTraining(config: PlatformConfig): JobSpec {
  const { training } = config;
  return {
    kind: "job",
    name: WORKLOAD_NAMES.training,
    component: "training",
    container: trainingContainer(config),
    parallelism: training.parallelism,
    completions: training.completions,
    backoffLimit: training.backoffLimit,
    activeDeadlineSeconds: training.activeDeadlineSeconds,
    ttlSecondsAfterFinished: training.ttlSecondsAfterFinished,
    after: [],
  };
}

function describeRetraining(config: PlatformConfig): ScheduledJobSpec[] {
  const { retraining, training } = config;
  if (!retraining.enabled) return [];
  return [
    {
      kind: "schedule",
      name: WORKLOAD_NAMES.retraining,
      component: "retraining",
      schedule: retraining.schedule,
      concurrency: "forbid",
      startingDeadlineSeconds: retraining.startingDeadlineSeconds,
      successfulRunsKept: retraining.successfulJobsHistoryLimit,
      failedRunsKept: retraining.failedJobsHistoryLimit,
      job: {
        container: trainingContainer(config),
        parallelism: training.parallelism,
        completions: training.completions,
        backoffLimit: training.backoffLimit,
        activeDeadlineSeconds: training.activeDeadlineSeconds,
        ttlSecondsAfterFinished: training.ttlSecondsAfterFinished,
      },
      after: [WORKLOAD_NAMES.training],
    },
  ];
}

/**
 * Serving's bounds where the stack's target runs an autoscaler, its fixed
 * count elsewhere: the one place that decides which of the two applies.
 */
function servingReplicas(config: PlatformConfig): Replicas {
  const { replicas, autoscaling } = config.serving;
  if (!TARGETS[config.target].autoscales) return { mode: "fixed", count: replicas };
  return {
    mode: "autoscaled",
    min: autoscaling.minReplicas,
    max: autoscaling.maxReplicas,
    cpuTargetPercent: autoscaling.cpuTargetPercent,
    scaleDownStabilizationSeconds: autoscaling.scaleDownStabilizationSeconds,
  };
}

/** Says that serving's autoscaling bounds are not applied, where it runs a fixed count. */
function unappliedBounds(config: PlatformConfig, serving: ServiceSpec): string[] {
  if (serving.replicas.mode !== "fixed") return [];
  const { minReplicas, maxReplicas, cpuTargetPercent } = config.serving.autoscaling;
  return [
    `${serving.name} runs a fixed ${serving.replicas.count} replica(s) (serving.replicas): the ${config.target} target ` +
      `has no autoscaler, so serving.autoscaling (${minReplicas}-${maxReplicas} replicas at ${cpuTargetPercent}% CPU) is not applied`,
  ];
}

function describeServing(config: PlatformConfig): ServiceSpec {
  const { serving } = config;
  const container: ContainerSpec = {
    image: config.images.serving,
    command: ["python3", "/opt/ml/serve.py"],
    args: [
      "--port",
      String(serving.port),
      "--models",
      "/models",
      "--base-path",
      "/serving",
      "--publish-port",
      String(serving.publishPort),
    ],
    env: { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1", HOME: "/tmp" },
    secretEnv: { [MODEL_PUBLISH_TOKEN_VARIABLE]: { ...MODEL_PUBLISH_TOKEN } },
    serviceEnv: {},
    ports: [
      { name: "http", port: serving.port },
      { name: "publish", port: serving.publishPort },
    ],
    resources: resources(serving.resources),
    probes: {
      startup: probe({ kind: "http", path: "/healthz", port: "http" }, 30, 2),
      readiness: probe({ kind: "http", path: "/readyz", port: "http" }, 3, 5),
      liveness: probe({ kind: "http", path: "/healthz", port: "http" }, 6),
    },
    // Writable for the model intake only: serving itself reads the current model.
    mounts: [modelsMount(false)],
    bundles: [{ name: "serving-code", directory: "/opt/ml", files: { "serve.py": readWorkloadFile("serve.py") } }],
    user: APP_USER,
    writablePaths: ["/tmp"],
    readOnlyRootFilesystem: true,
  };
  return {
    kind: "service",
    name: WORKLOAD_NAMES.serving,
    component: "inference",
    container,
    replicas: servingReplicas(config),
    scalable: true,
    minAvailable: 1,
    zeroDowntimeUpdates: true,
    allowFrom: [
      { kind: "ingress", ports: ["http"] },
      { kind: "executors", pool: WORKLOAD_NAMES.worker, ports: ["publish"] },
    ],
    publicEndpoint: { port: "http", url: "", pathPrefix: "/serving" },
    after: [WORKLOAD_NAMES.training],
  };
}

/** Where process workers find the example flows and the trainer they call (flows/deploy.py points deployments here). */
export const FLOWS_DIRECTORY = "/opt/ml-platform/flows";
export const FLOW_FILES = ["training.py", "fan_out.py", "deploy.py"];

function describeWorkers(config: PlatformConfig): ExecutorPoolSpec {
  const { worker } = config;
  const flows: FileBundle = {
    name: "flows",
    directory: FLOWS_DIRECTORY,
    files: {
      ...Object.fromEntries(FLOW_FILES.map((file) => [file, readFlowFile(file)])),
      "train.py": readWorkloadFile("train.py"),
    },
  };
  // The validation keeps maxConcurrentRuns a multiple of the workers, so the split loses no run.
  const runsPerWorker = Math.max(1, Math.floor(worker.maxConcurrentRuns / worker.replicas));
  const health = probe({ kind: "http", path: "/health", port: "health" }, 6, 15);
  return {
    kind: "executorPool",
    name: WORKLOAD_NAMES.worker,
    component: "worker",
    workPool: worker.workPool,
    replicas: worker.replicas,
    maxConcurrentRuns: worker.maxConcurrentRuns,
    runsPerWorker,
    worker: {
      image: config.images.prefectWorker,
      command: [
        "prefect",
        "worker",
        "start",
        "--pool",
        worker.workPool,
        "--limit",
        String(runsPerWorker),
        "--with-healthcheck",
      ],
      env: {
        PREFECT_HOME: "/var/lib/prefect",
        // The image has no home for the unprivileged user; keep caches on a writable path.
        HOME: "/var/lib/prefect",
        PREFECT_WORKER_WEBSERVER_HOST: "0.0.0.0",
        PREFECT_WORKER_WEBSERVER_PORT: String(WORKER_HEALTH_PORT),
      },
      // Flow runs inherit it from their worker (a process's environment, a Job's from the worker's settings).
      secretEnv: { PREFECT_API_AUTH_STRING: { ...PREFECT_AUTH } },
      serviceEnv: { PREFECT_API_URL: { service: WORKLOAD_NAMES.server, port: "http", scheme: "http", path: "/api" } },
      ports: [{ name: "health", port: WORKER_HEALTH_PORT }],
      resources: resources(worker.resources),
      probes: { startup: { ...health, failureThreshold: 20, periodSeconds: 5 }, readiness: health, liveness: health },
      mounts: [],
      bundles: [flows],
      user: APP_USER,
      writablePaths: ["/var/lib/prefect", "/tmp"],
      readOnlyRootFilesystem: true,
    },
    executor: {
      image: config.images.prefectWorker,
      resources: resources(worker.executor.resources),
      backoffLimit: worker.executor.backoffLimit,
      ttlSecondsAfterFinished: worker.executor.ttlSecondsAfterFinished,
      user: APP_USER,
      mounts: [dataMount(true), modelsMount(false)],
      bundles: [flows],
      secretEnv: {
        PREFECT_API_AUTH_STRING: { ...PREFECT_AUTH },
        [MODEL_PUBLISH_TOKEN_VARIABLE]: { ...MODEL_PUBLISH_TOKEN },
      },
      serviceEnv: {
        ML_PLATFORM_MODEL_PUBLISH_URL: {
          service: WORKLOAD_NAMES.serving,
          port: "publish",
          scheme: "http",
          path: "/model",
        },
      },
    },
    after: [WORKLOAD_NAMES.server],
  };
}

export function describePlatform(config: PlatformConfig, stack: string): PlatformSpec {
  const serving = describeServing(config);
  return {
    instance: `ml-platform-${stack}`,
    production: config.environment === "production",
    notices: unappliedBounds(config, serving),
    volumes: describeVolumes(config),
    secrets: describeSecrets(config),
    services: [describeDatabase(config), describeServer(config), serving],
    jobs: [describeTraining(config)],
    schedules: describeRetraining(config),
    executorPools: [describeWorkers(config)],
  };
}
