/**
 * The one schema every stack's config must satisfy. Each top-level property is
 * one Pulumi config key (`ml-platform:<key>`); scalar keys are also declared in
 * Pulumi.yaml, structured keys are read as objects and validated only here.
 */
import { z } from "zod";
import { cronProblem, normaliseCron } from "./cron";
import { GENERATED_SECRETS } from "./generated-secrets";
import { unpinnedReason } from "./images";
import { CPU_QUANTITY_RULE, MEMORY_QUANTITY_RULE, parseCpuMillis, parseMemoryBytes } from "./quantities";

const cpu = z.string().refine((value) => parseCpuMillis(value) !== undefined, {
  message: `must be ${CPU_QUANTITY_RULE}`,
});
const memory = z.string().refine((value) => parseMemoryBytes(value) !== undefined, {
  message: `must be ${MEMORY_QUANTITY_RULE}`,
});
/** Beyond these no node runs one container: a typo ("900Ti", "10000" cores), not a plan. */
const containerCpu = cpu.refine((value) => (parseCpuMillis(value) ?? 0) <= 1024 * 1000, {
  message: "must be at most 1024 cores",
});
const containerMemory = memory.refine((value) => (parseMemoryBytes(value) ?? 0) <= 8 * 1024 ** 4, {
  message: "must be at most 8Ti",
});
const storageSize = memory
  .refine((value) => (parseMemoryBytes(value) ?? 0) <= 64 * 1024 ** 4, { message: "must be at most 64Ti" })
  .refine((value) => (parseMemoryBytes(value) ?? 0) >= 1024 ** 2, {
    message: "must be at least 1Mi: Kubernetes refuses an empty claim",
  });
/**
 * The least a container may be held to on every target: Docker refuses a memory limit under 6Mi
 * and a CPU quota under 1 ms per 100 ms (10m); a process does not start in less anyway.
 */
const limitCpu = containerCpu.refine((value) => (parseCpuMillis(value) ?? 0) >= 10, {
  message: "must be at least 10m: Docker refuses a smaller CPU limit",
});
const limitMemory = containerMemory.refine((value) => (parseMemoryBytes(value) ?? 0) >= 6 * 1024 ** 2, {
  message: "must be at least 6Mi: Docker refuses a smaller memory limit",
});
const image = z.string().superRefine((value, context) => {
  const reason = unpinnedReason(value);
  if (reason) context.addIssue({ code: "custom", message: `image "${value}" ${reason}` });
});
const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "must be a DNS label: lower-case letters, digits and '-', at most 63");
/** A DNS subdomain, as Kubernetes names storage classes: DNS labels joined by dots, at most 253 characters. */
const subdomain = z
  .string()
  .regex(
    /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/,
    "must be a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253",
  );
/** Namespaces Kubernetes or MicroK8s' addons own: the platform's quotas, policies and deletes must not land there. */
export const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "ingress"];
const platformNamespace = name.refine((value) => !RESERVED_NAMESPACES.includes(value) && !value.startsWith("kube-"), {
  message: `is reserved (${RESERVED_NAMESPACES.join(", ")} and every kube-* namespace belong to the cluster); choose a namespace of the platform's own`,
});

/** The browser-facing address: an http(s) URL with a host, nothing a browser would run or read locally. */
const publicUrl = z.string().superRefine((value, context) => {
  let url: URL | undefined;
  try {
    url = /\s/.test(value) ? undefined : new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !["http:", "https:"].includes(url.protocol) || url.hostname === "") {
    context.addIssue({
      code: "custom",
      message: `"${value}" must be an http:// or https:// URL with a host and no spaces, the address the user's browser reaches`,
    });
  }
});

/** A host name an Ingress rule takes: a lower-case DNS name (a leading "*." wildcard allowed), not an IP, no scheme or port. */
const DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const ingressHost = z.string().superRefine((value, context) => {
  if (value === "") return;
  const dnsName = new RegExp(`^(\\*\\.)?${DNS_LABEL}(\\.${DNS_LABEL})*$`).test(value) && value.length <= 253;
  const ipAddress = /^[0-9.]+$/.test(value) || value.includes(":");
  if (!dnsName || ipAddress) {
    context.addIssue({
      code: "custom",
      message: `"${value}" must be a DNS name such as ml-platform.example.com: lower-case letters, digits, '-' and '.', at most 253 characters, no scheme, port, path or IP address`,
    });
  }
});

/** An IPv4 or IPv6 address block in CIDR notation, as a NetworkPolicy's ipBlock takes it. */
const cidr = z.string().refine(
  (value) => {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (v4) return v4.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(v4[5]) <= 32;
    const v6 = /^([0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\/(\d{1,3})$/.exec(value);
    return v6 !== null && Number(v6[2]) <= 128;
  },
  { message: 'must be an address block in CIDR notation, such as "10.0.0.0/8" or "0.0.0.0/0"' },
);

const port = z.number().int().min(1, "must be a port from 1 to 65535").max(65535, "must be a port from 1 to 65535");
const count = (max: number) => z.number().int().min(1, "must be at least 1").max(max, `must be at most ${max}`);
const seconds = (max: number) =>
  z.number().int().min(1, "must be at least 1 second").max(max, `must be at most ${max} seconds`);

const resources = (defaults: { cpu: string; memory: string }) =>
  z
    .strictObject({
      /** What the scheduler reserves; defaults to the limits. */
      requests: z
        .strictObject({ cpu: containerCpu.default(defaults.cpu), memory: containerMemory.default(defaults.memory) })
        .prefault({}),
      /** The hard ceiling the container is held to. */
      limits: z
        .strictObject({ cpu: limitCpu.default(defaults.cpu), memory: limitMemory.default(defaults.memory) })
        .prefault({}),
    })
    .prefault({});

const volume = z
  .strictObject({
    size: storageSize.default("10Gi"),
    accessMode: z.enum(["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"]).default("ReadWriteOnce"),
    /** Overrides kubernetes.storageClass for this volume. */
    storageClass: subdomain.optional(),
  })
  .prefault({});

/**
 * A secret value a stack supplies instead of a generated one: letters and digits like the generated ones
 * (it is embedded in connection URLs unescaped), and at least as long.
 */
function providedSecret(length: number) {
  return z
    .string()
    .regex(/^[A-Za-z0-9]*$/, "must be letters and digits only: the value is embedded in connection URLs unescaped")
    .min(length, `must be at least ${length} characters, as long as the value the platform would generate`)
    .optional();
}

/** Keys every stack file must state; everything else has a default. */
export const REQUIRED_KEYS = ["target", "environment"] as const;

export const PLATFORM_SCALAR_KEYS = {
  target: "string",
  environment: "string",
  protectStorage: "boolean",
  allowStorageReplacement: "boolean",
  kubeconfig: "string",
} as const;

export const platformConfigSchema = z.strictObject({
  /** Which target provisions the platform. Required: a stack file that forgets it must not get a default target. */
  target: z.enum(["docker", "swarm", "kubernetes"]),
  /**
   * Staging and production turn on the stricter policies. Required: a default would let a prod file fail
   * open into the lenient ones.
   */
  environment: z.enum(["development", "staging", "production"]),
  /** Keep volumes and database storage on `pulumi destroy` (protect + retainOnDelete). */
  protectStorage: z.boolean().default(true),
  /** Lets one run replace storage whose immutable settings changed (components/storage-guard.ts); the data must have been moved first. */
  allowStorageReplacement: z.boolean().default(false),
  /** Kubeconfig content (set it with --secret); kubernetes.kubeconfigPath is the alternative. */
  kubeconfig: z.string().default(""),
  /**
   * Secret values the stack supplies (set with --secret) instead of generating them, e.g. from a password
   * manager or for a rotation; each one left out is generated.
   */
  providedSecrets: z
    .strictObject({
      "prefect-auth": z
        .strictObject({ password: providedSecret(GENERATED_SECRETS["prefect-auth"].password) })
        .prefault({}),
      "model-publish": z.strictObject({ token: providedSecret(GENERATED_SECRETS["model-publish"].token) }).prefault({}),
      postgres: z.strictObject({ password: providedSecret(GENERATED_SECRETS.postgres.password) }).prefault({}),
    })
    .prefault({}),

  images: z
    .strictObject({
      prefectServer: image.default("prefecthq/prefect:3.6.10-python3.12"),
      /** Default: the target's own (DEFAULT_WORKER_IMAGES), resolved by withTargetDefaults. */
      prefectWorker: image.optional(),
      postgres: image.default("postgres:16.9-bookworm"),
      serving: image.default("python:3.12.11-slim-bookworm"),
      training: image.default("python:3.12.11-slim-bookworm"),
    })
    .prefault({}),

  database: z
    .strictObject({
      name: name.default("prefect"),
      user: name.default("prefect"),
      storage: volume,
      resources: resources({ cpu: "500m", memory: "512Mi" }),
    })
    .prefault({}),

  server: z
    .strictObject({
      /** The address a browser uses to reach the Prefect UI (PREFECT_UI_API_URL is this plus /api). */
      publicUrl: publicUrl.default("http://127.0.0.1:4200"),
      resources: resources({ cpu: "500m", memory: "1Gi" }),
    })
    .prefault({}),

  worker: z
    .strictObject({
      workPool: name.default("ml-pool"),
      /** Worker processes (dev: containers, prod: Deployment replicas). */
      replicas: count(50).default(1),
      /** Flow runs executing at once across all workers. */
      maxConcurrentRuns: count(1000).default(4),
      /** Dev only: a docker-type pool through the host's Docker socket (root on the host). */
      dockerSocket: z.boolean().default(false),
      resources: resources({ cpu: "500m", memory: "512Mi" }),
      executor: z
        .strictObject({
          resources: resources({ cpu: "1", memory: "1Gi" }),
          backoffLimit: z.number().int().min(0).max(10).default(0),
          ttlSecondsAfterFinished: seconds(604800).default(3600),
        })
        .prefault({}),
    })
    .prefault({}),

  serving: z
    .strictObject({
      port: port.default(8080),
      /** Internal port where flow runs hand trained models to serving (bearer token; never public). */
      publishPort: port.default(8081),
      /** Fixed replica count where no autoscaler runs (dev). */
      replicas: count(100).default(2),
      autoscaling: z
        .strictObject({
          minReplicas: count(100).default(2),
          maxReplicas: count(100).default(10),
          cpuTargetPercent: z.number().int().min(1).max(100, "must be at most 100").default(70),
          scaleDownStabilizationSeconds: z.number().int().min(0).max(3600).default(300),
        })
        .prefault({}),
      resources: resources({ cpu: "500m", memory: "512Mi" }),
    })
    .prefault({}),

  training: z
    .strictObject({
      parallelism: count(100).default(1),
      completions: count(1000).default(1),
      backoffLimit: z.number().int().min(0).max(20).default(1),
      activeDeadlineSeconds: seconds(7 * 86400).default(3600),
      ttlSecondsAfterFinished: seconds(30 * 86400).default(86400),
      /** Training passes over the data; handed to the trainer as --epochs. */
      epochs: count(10000).default(200),
      gpu: z.strictObject({ enabled: z.boolean().default(false), count: count(8).default(1) }).prefault({}),
      resources: resources({ cpu: "1", memory: "1Gi" }),
    })
    .prefault({}),

  retraining: z
    .strictObject({
      enabled: z.boolean().default(true),
      schedule: z
        .string()
        .default("0 3 * * *")
        .superRefine((value, context) => {
          const problem = cronProblem(value);
          if (problem) context.addIssue({ code: "custom", message: `"${value}" ${problem}` });
        })
        // Every target runs exactly the text the check judged, normalised once here.
        .transform(normaliseCron),
      startingDeadlineSeconds: seconds(86400).default(600),
      successfulJobsHistoryLimit: z.number().int().min(0).max(100).default(3),
      failedJobsHistoryLimit: z.number().int().min(0).max(100).default(3),
    })
    .prefault({}),

  volumes: z.strictObject({ data: volume, models: volume }).prefault({}),

  docker: z
    .strictObject({
      /** Docker daemon address; empty uses the provider's default (DOCKER_HOST or the local socket). */
      host: z.string().default(""),
      serverHostPort: port.default(4200),
      servingHostPort: port.default(8080),
      /** Whether the host's Docker has the NVIDIA runtime for GPU device requests. */
      gpuSupport: z.boolean().default(false),
      /** The reverse proxy that gives the serving replicas one published address. */
      proxyImage: image.default("nginx:1.27.5-alpine"),
    })
    .prefault({}),

  swarm: z
    .strictObject({
      /** The Swarm manager's Docker address; empty is the local engine's socket, never DOCKER_HOST. */
      host: z.string().default(""),
      serverPort: port.default(4200),
      servingPort: port.default(8080),
      /**
       * "ingress": the routing mesh publishes the ports on every node and balances over the replicas;
       * "host": the node that runs the task binds the port itself (one task per node per port).
       */
      publishMode: z.enum(["ingress", "host"]).default("ingress"),
      /** "vip": one virtual address per service; "dnsrr": the service name resolves to every task (needs host publishing). */
      endpointMode: z.enum(["vip", "dnsrr"]).default("vip"),
      /** The node label (set to "true") that marks the node Postgres and its volume live on. */
      databaseNodeLabel: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, "must be a label key: lower-case letters, digits, '-' and '.'")
        .default("ml-platform.database"),
      /** The driver of the data and models volumes; "local" keeps them on one node. */
      volumeDriver: name.default("local"),
      /** Seconds between two replicas of a rolling update, and how long each new one is watched for failure. */
      updateDelaySeconds: seconds(3600).default(10),
      monitorSeconds: seconds(3600).default(30),
      /** The reverse proxy in front of serving's replicas when ports are published in host mode. */
      proxyImage: image.default("nginx:1.27.5-alpine"),
    })
    .prefault({}),

  kubernetes: z
    .strictObject({
      /** Path to a kubeconfig file, such as the output of `microk8s config`. */
      kubeconfigPath: z.string().default(""),
      context: z.string().default(""),
      namespace: platformNamespace.default("ml-platform"),
      executorNamespace: platformNamespace.default("ml-executors"),
      storageClass: subdomain.default("microk8s-hostpath"),
      ingressClassName: name.default("public"),
      /** Host name the Ingress answers to; empty answers any host. */
      ingressHost: ingressHost.default(""),
      /**
       * A kubernetes.io/tls Secret in kubernetes.namespace holding the certificate for ingressHost;
       * set, the Ingress serves HTTPS with it. Empty: plain HTTP.
       */
      tlsSecretName: z.union([z.literal(""), subdomain]).default(""),
      serviceType: z.enum(["ClusterIP", "NodePort", "LoadBalancer"]).default("ClusterIP"),
      /** LoadBalancer Services need an address provider such as MetalLB. */
      allowLoadBalancer: z.boolean().default(false),
      /**
       * The longest a flow run's Job may run before Kubernetes stops it (its activeDeadlineSeconds), so
       * a stuck run cannot hold an executor slot for ever. Deployments may ask for less, never more.
       */
      executorDeadlineSeconds: seconds(30 * 86400).default(86400),
      /** Whether the cluster has the GPU operator (MicroK8s gpu addon). */
      gpuSupport: z.boolean().default(false),
      gpuRuntimeClassName: name.default("nvidia"),
      /**
       * Address blocks flow runs may connect to besides the cluster's DNS and the Prefect API
       * (e.g. ["0.0.0.0/0"] for the internet). Default: none, so a flow run reaches nothing else.
       */
      flowRunEgress: z.array(cidr).max(50, "must list at most 50 address blocks").default([]),
      /**
       * What the flow-run executors may hold together (their limits): what the node spares after the
       * platform's own pods. worker.maxConcurrentRuns executors at their limits must fit in it.
       */
      executorCapacity: z
        .strictObject({ cpu: containerCpu.default("4"), memory: containerMemory.default("8Gi") })
        .prefault({}),
    })
    .prefault({}),
});

/**
 * The worker image each target runs when the stack names none. The kubernetes
 * worker (`--type kubernetes`) needs prefect-kubernetes, which Prefect ships
 * only in its "-kubernetes" image variant; the docker target's process worker
 * needs nothing beyond Prefect.
 */
export const DEFAULT_WORKER_IMAGES: Record<"docker" | "swarm" | "kubernetes", string> = {
  docker: "prefecthq/prefect:3.6.10-python3.12",
  swarm: "prefecthq/prefect:3.6.10-python3.12",
  kubernetes: "prefecthq/prefect:3.6.10-python3.12-kubernetes",
};

/** What the schema alone makes of a stack's config, before the defaults that depend on the target. */
export type ParsedPlatformConfig = z.infer<typeof platformConfigSchema>;

/** A validated stack config with every default filled in, the target's own included. */
export type PlatformConfig = Omit<ParsedPlatformConfig, "images"> & {
  images: ParsedPlatformConfig["images"] & { prefectWorker: string };
};

/** Fills in the defaults that depend on the target (the worker image). */
export function withTargetDefaults(parsed: ParsedPlatformConfig): PlatformConfig {
  const prefectWorker = parsed.images.prefectWorker ?? DEFAULT_WORKER_IMAGES[parsed.target];
  return { ...parsed, images: { ...parsed.images, prefectWorker } };
}

/** The schema and the target's defaults in one step; throws on invalid input (tests and tools that hold valid input). */
export function parsePlatformConfig(raw: unknown): PlatformConfig {
  return withTargetDefaults(platformConfigSchema.parse(raw));
}
export type ResourcesConfig = PlatformConfig["server"]["resources"];
export type VolumeConfig = PlatformConfig["volumes"]["data"];

/** The images a stack of this target runs for the keys it leaves out. */
export function defaultImages(target: PlatformConfig["target"]): PlatformConfig["images"] {
  return parsePlatformConfig({ target, environment: "development" }).images;
}
