/**
 * The one schema every stack's config must satisfy. Each top-level property is
 * one Pulumi config key (`ml-platform:<key>`); scalar keys are also declared in
 * Pulumi.yaml, structured keys are read as objects and validated only here.
 */
import { z } from "zod";
import { TARGET_CONFIG_SECTIONS, TARGET_NAMES, TARGETS } from "../components/registry";
import { cronProblem, normaliseCron } from "./cron";
import { GENERATED_SECRETS } from "./generated-secrets";
import { count, image, name, port, publicUrl, resources, seconds, volume } from "./primitives";

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
  target: z.enum(TARGET_NAMES),
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

  /** Each target's own section (`docker`, `swarm`, `kubernetes`), as the registry lists them. */
  ...TARGET_CONFIG_SECTIONS,
});

/** What the schema alone makes of a stack's config, before the defaults that depend on the target. */
export type ParsedPlatformConfig = z.infer<typeof platformConfigSchema>;

/** A validated stack config with every default filled in, the target's own included. */
export type PlatformConfig = Omit<ParsedPlatformConfig, "images"> & {
  images: ParsedPlatformConfig["images"] & { prefectWorker: string };
};

/** Fills in the defaults that depend on the target (the worker image). */
export function withTargetDefaults(parsed: ParsedPlatformConfig): PlatformConfig {
  const prefectWorker = parsed.images.prefectWorker ?? TARGETS[parsed.target].defaultWorkerImage;
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
