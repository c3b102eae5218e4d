/**
 * The target-neutral description of the ML platform: plain data that names
 * what runs, never how a particular target runs it. Every target realises each
 * of these kinds; none of them mentions Docker or Kubernetes.
 */

/** CPU and memory in Kubernetes quantity notation ("500m", "1Gi"). */
export interface ComputeQuantities {
  cpu: string;
  memory: string;
}

export interface Resources {
  requests: ComputeQuantities;
  limits: ComputeQuantities;
  /** Whole GPUs; 0 for none. */
  gpus: number;
}

/** An HTTP GET check against one of the container's named ports. */
export interface HttpProbe {
  kind: "http";
  path: string;
  port: string;
}

/** A command whose exit status 0 means healthy. */
export interface CommandProbe {
  kind: "command";
  command: string[];
}

export type ProbeCheck = HttpProbe | CommandProbe;

export interface Probe {
  check: ProbeCheck;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export interface Probes {
  /** Gates the other two while the process boots. */
  startup?: Probe;
  /** Traffic is routed only while this passes. */
  readiness?: Probe;
  /** The container is restarted when this fails. */
  liveness?: Probe;
}

export interface PortSpec {
  name: string;
  port: number;
}

/** A value that lives in a platform secret. */
export interface SecretKeyRef {
  secret: string;
  key: string;
}

/** An environment variable whose value is a secret. */
export interface SecretEnv extends SecretKeyRef {
  /**
   * The image's own *_FILE convention for this variable (e.g. POSTGRES_PASSWORD_FILE),
   * so a target that delivers secrets as files can skip the variable entirely.
   */
  fileVariable?: string;
}

/** The in-platform address of a service's port, e.g. for PREFECT_API_URL. */
export interface ServiceAddressEnv {
  service: string;
  port: string;
  scheme: "http" | "postgresql+asyncpg";
  path: string;
}

export interface VolumeMount {
  volume: string;
  path: string;
  readOnly: boolean;
}

/** Non-secret files the platform ships into a container (scripts, configs). */
export interface FileBundle {
  name: string;
  directory: string;
  files: Record<string, string>;
}

export interface ContainerSpec {
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  secretEnv: Record<string, SecretEnv>;
  serviceEnv: Record<string, ServiceAddressEnv>;
  ports: PortSpec[];
  resources: Resources;
  probes: Probes;
  mounts: VolumeMount[];
  bundles: FileBundle[];
  /** Unprivileged identity the process runs as. */
  user: { uid: number; gid: number };
  /** Paths that must stay writable when the root filesystem is read-only. */
  writablePaths: string[];
  readOnlyRootFilesystem: boolean;
}

/**
 * Who may open connections to a service, and to which of its named ports
 * (every port when `ports` is left out).
 */
export type Peer = ({ kind: "workload"; name: string } | { kind: "executors"; pool: string } | { kind: "ingress" }) & {
  ports?: string[];
};

export interface PublicEndpoint {
  /** The port published to users. */
  port: string;
  /** The URL users reach it at; a target may compute it instead (empty). */
  url: string;
  /** Path prefix routed to the service by an HTTP ingress. */
  pathPrefix: string;
}

/** Storage that belongs to one service instance (a database's data directory). */
export interface StatefulStorage {
  volume: string;
  path: string;
  size: string;
  accessMode: string;
  storageClass?: string;
  /** Survives `pulumi destroy` and refuses replacement. */
  protect: boolean;
}

/** A set number of replicas, whatever the load. */
export interface FixedReplicas {
  mode: "fixed";
  count: number;
}

/** Replicas an autoscaler keeps between `min` and `max`, aiming at an average CPU use. */
export interface AutoscaledReplicas {
  mode: "autoscaled";
  min: number;
  max: number;
  /** Average CPU use, in percent of the requests, the autoscaler aims at. */
  cpuTargetPercent: number;
  /** How long load must stay low before replicas are removed. */
  scaleDownStabilizationSeconds: number;
}

/**
 * How many replicas a service runs. Autoscaled only where the stack's target
 * runs an autoscaler (the description decides, from the registry): a target
 * without one is only ever given fixed counts.
 */
export type Replicas = FixedReplicas | AutoscaledReplicas;

export interface ServiceSpec {
  kind: "service";
  name: string;
  /** Role within the platform, e.g. "database", "api", "inference". */
  component: string;
  container: ContainerSpec;
  replicas: Replicas;
  /**
   * Runs as interchangeable replicas whose number may change (in the config,
   * or by an autoscaler), so clients need one address that outlives any replica.
   */
  scalable: boolean;
  /** Keep at least this many replicas through voluntary disruptions. */
  minAvailable?: number;
  /** Roll out one new replica before retiring an old one. */
  zeroDowntimeUpdates: boolean;
  state?: StatefulStorage;
  allowFrom: Peer[];
  publicEndpoint?: PublicEndpoint;
  /** Workloads that must have finished or become ready before this one starts. */
  after: string[];
}

/**
 * Variables a target gives every completion of a job, as Kubernetes names the
 * index of an Indexed Job: which run it belongs to (the same for all
 * completions of one run, new when the job changes) and which completion it is.
 */
export const RUN_ID_VARIABLE = "ML_PLATFORM_RUN_ID";
export const COMPLETION_INDEX_VARIABLE = "JOB_COMPLETION_INDEX";

export interface JobSpec {
  kind: "job";
  name: string;
  component: string;
  container: ContainerSpec;
  parallelism: number;
  completions: number;
  backoffLimit: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  after: string[];
}

export interface ScheduledJobSpec {
  kind: "schedule";
  name: string;
  component: string;
  /** Five-field cron expression, evaluated in UTC. */
  schedule: string;
  /** A new run never starts while the previous one is still running. */
  concurrency: "forbid";
  startingDeadlineSeconds: number;
  successfulRunsKept: number;
  failedRunsKept: number;
  job: Omit<JobSpec, "kind" | "name" | "component" | "after">;
  after: string[];
}

/** Prefect workers that start one executor per flow run. */
export interface ExecutorPoolSpec {
  kind: "executorPool";
  name: string;
  component: string;
  workPool: string;
  /** Worker processes. */
  replicas: number;
  /** Flow runs executing at once across all workers. */
  maxConcurrentRuns: number;
  /** Flow runs one worker holds at once (its --limit): maxConcurrentRuns split evenly over the workers. */
  runsPerWorker: number;
  /** The worker; a target adds the executor type and its own flags to the command. */
  worker: ContainerSpec;
  /** What each executor (flow run) may use, and how long a finished one is kept. */
  executor: {
    image: string;
    resources: Resources;
    backoffLimit: number;
    ttlSecondsAfterFinished: number;
    user: { uid: number; gid: number };
    mounts: VolumeMount[];
    /**
     * The code each flow run loads (the flows and what they call), at the same path as on the
     * worker, where deployments point. Targets whose flow runs are the worker's own processes
     * (Docker) have it from the worker's bundles already.
     */
    bundles: FileBundle[];
    /**
     * Secrets each flow run needs as variables (the Prefect login). Targets whose flow runs are the
     * worker's own processes (Docker) pass the worker's on instead.
     */
    secretEnv: Record<string, SecretEnv>;
    /**
     * Platform addresses each flow run is given (serving's model intake), where flow runs cannot
     * share serving's volumes. Targets whose flow runs are the worker's own processes (Docker),
     * which share them, leave these out.
     */
    serviceEnv: Record<string, ServiceAddressEnv>;
  };
  after: string[];
}

export interface VolumeSpec {
  name: string;
  size: string;
  accessMode: string;
  storageClass?: string;
  protect: boolean;
}

/** A secret made of generated values and values derived from them. */
export interface SecretSpec {
  name: string;
  /** Keys whose value is a random password of this many characters (URL-safe). */
  generated: Record<string, { length: number }>;
  /** Generated keys whose value the stack config supplies instead (`providedSecrets`); nothing is generated for them. */
  provided: Record<string, string>;
  /** Keys whose value is assembled from literals, generated keys and service addresses. */
  derived: Record<string, TemplatePart[]>;
  /**
   * The generated values are protected like the storage they unlock: a kept
   * database volume holds the password it was initialised with, so a
   * teardown that keeps the volume must keep the password too.
   */
  protect: boolean;
}

export type TemplatePart = { literal: string } | { secretKey: string } | { serviceHost: string };

export type Workload = ServiceSpec | JobSpec | ScheduledJobSpec | ExecutorPoolSpec;

export interface PlatformSpec {
  /** Instance label shared by every object, e.g. "ml-platform-dev". */
  instance: string;
  production: boolean;
  /**
   * Sentences for whoever deploys the stack: settings of its config that the
   * description leaves out on this target, and why. Said once, by the program.
   */
  notices: string[];
  volumes: VolumeSpec[];
  secrets: SecretSpec[];
  services: ServiceSpec[];
  jobs: JobSpec[];
  schedules: ScheduledJobSpec[];
  executorPools: ExecutorPoolSpec[];
}
