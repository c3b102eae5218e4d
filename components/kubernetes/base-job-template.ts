/**
 * The work pool's base job template in the Prefect kubernetes worker's format
 * (job_configuration + variables). Every flow run becomes one Job from it: in
 * the executor namespace, cleaned up after a TTL, with the executor's resources,
 * the restricted security context and the data and models claims. The pod comes
 * from the same builder as every other pod of the platform.
 */
import type * as k8s from "@pulumi/kubernetes/types/input";
import { ContainerSpec, ExecutorPoolSpec, FileBundle, ServiceAddressEnv } from "../../platform/model";
import { Labels, objectLabels, selectorLabels } from "./labels";
import { PodPlacement } from "./placement";
import { buildPodSpec } from "./pod-spec";

/** The container name the Prefect worker insists on (it validates the template against it). */
export const PREFECT_JOB_CONTAINER = "prefect-job";
export const TEMPLATE_FILE = "base-job-template.json";
export const TEMPLATE_DIRECTORY = "/etc/prefect/work-pool";
/** Executor pods are created by the worker, not by Pulumi. */
export const EXECUTOR_MANAGED_BY = "prefect-worker";
/**
 * The root filesystem stays read-only; flow code is pulled into the working
 * directory, Prefect keeps its state under PREFECT_HOME, and tools write to /tmp.
 * (/opt/prefect is the image's own directory, holding its entrypoint.)
 */
export const EXECUTOR_WORKING_DIRECTORY = "/workspace";
const EXECUTOR_WRITABLE_PATHS = ["/tmp", "/var/lib/prefect", EXECUTOR_WORKING_DIRECTORY];
const EXECUTOR_ENV: Record<string, string> = { HOME: "/tmp", PREFECT_HOME: "/var/lib/prefect" };
/** The Prefect image is large; its first pull on a node can take minutes. */
const POD_WATCH_TIMEOUT_SECONDS = 300;

export interface ExecutorLayout {
  instance: string;
  executorNamespace: string;
  /** The claim for a neutral volume in the executor namespace. */
  claimName(volume: string): string;
  /** The ConfigMap in the executor namespace that holds a file bundle the executors mount. */
  bundleConfigMap(bundle: FileBundle): string;
  /** The Secret in the executor namespace that holds a platform secret the executors read. */
  secretName(secret: string): string;
  /** The URL of a platform service's port, as pods of the executor namespace reach it. */
  serviceUrl(address: ServiceAddressEnv): string;
  gpuRuntimeClassName: string;
  /** The executors' PriorityClass (priorities.ts): below the platform's own pods. */
  priorityClassName?: string;
  /** The longest a flow run's Job may run (kubernetes.executorDeadlineSeconds). */
  deadlineSeconds: number;
}

export function executorName(pool: ExecutorPoolSpec): string {
  return `${pool.name}-executor`;
}

/** Labels of executor pods; network policies select them by the name and instance among these. */
export function executorLabels(pool: ExecutorPoolSpec, instance: string): Labels {
  return objectLabels({ instance, name: executorName(pool), component: "executor" }, EXECUTOR_MANAGED_BY);
}

export function executorSelector(pool: ExecutorPoolSpec, instance: string): Labels {
  return selectorLabels({ instance, name: executorName(pool) });
}

/** The executor as a neutral container, so the shared builder shapes its pod. */
export function executorContainer(pool: ExecutorPoolSpec): ContainerSpec {
  return {
    image: pool.executor.image,
    env: EXECUTOR_ENV,
    secretEnv: pool.executor.secretEnv,
    serviceEnv: pool.executor.serviceEnv,
    ports: [],
    resources: pool.executor.resources,
    probes: {},
    mounts: pool.executor.mounts,
    bundles: pool.executor.bundles,
    user: pool.executor.user,
    writablePaths: EXECUTOR_WRITABLE_PATHS,
    readOnlyRootFilesystem: true,
  };
}

function executorPlacement(layout: ExecutorLayout): PodPlacement {
  return {
    namespace: layout.executorNamespace,
    claimName: (volume) => layout.claimName(volume),
    secretName: (secret) => layout.secretName(secret),
    bundleConfigMap: (bundle) => layout.bundleConfigMap(bundle),
    serviceUrl: (address) => layout.serviceUrl(address),
    gpuRuntimeClassName: layout.gpuRuntimeClassName,
    priorityClassName: layout.priorityClassName,
  };
}

/** The Job each flow run becomes, with Prefect's {{ placeholders }} where deployments may vary it. */
export function executorJobManifest(pool: ExecutorPoolSpec, layout: ExecutorLayout): Record<string, unknown> {
  const pod = buildPodSpec({ name: PREFECT_JOB_CONTAINER, spec: executorContainer(pool) }, executorPlacement(layout), {
    restartPolicy: "Never",
  });
  const [container] = pod.containers as k8s.core.v1.Container[];
  const labels = executorLabels(pool, layout.instance);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { namespace: layout.executorNamespace, generateName: "{{ name }}-", labels },
    spec: {
      // One pod per flow run: set on the Job, where Kubernetes reads them.
      parallelism: 1,
      completions: 1,
      backoffLimit: "{{ backoff_limit }}",
      activeDeadlineSeconds: "{{ active_deadline_seconds }}",
      ttlSecondsAfterFinished: "{{ finished_job_ttl }}",
      template: {
        metadata: { labels },
        spec: {
          // Again in the pod spec, where they mean nothing to Kubernetes (the API server drops them):
          // prefect-kubernetes' worker refuses a template without them at exactly this path.
          parallelism: 1,
          completions: 1,
          ...pod,
          containers: [
            {
              ...container,
              image: "{{ image }}",
              imagePullPolicy: "{{ image_pull_policy }}",
              // The image's entrypoint runs, with Prefect's command as its arguments.
              command: undefined,
              args: "{{ command }}",
              workingDir: EXECUTOR_WORKING_DIRECTORY,
              // A list, not the {{ env }} placeholder: the worker puts its own variables first and
              // these last, so they win over a deployment's.
              env: container.env,
            },
          ],
        },
      },
    },
  };
}

function variables(pool: ExecutorPoolSpec, layout: ExecutorLayout): Record<string, unknown> {
  return {
    type: "object",
    properties: {
      name: { title: "Name", description: "Name given to the flow run's Job.", type: "string" },
      env: {
        title: "Environment variables",
        description: "Environment variables of the flow run's container.",
        type: "object",
        additionalProperties: { type: ["string", "null"] },
        // The worker copies its own settings into every Job, its login among them, as plain values
        // that would override the template's references to the Secret. It drops variables whose
        // value is null, so these defaults keep the login in the Secret.
        // (Secrets delivered as files have no variable of that name to override.)
        default: Object.fromEntries(
          Object.entries(pool.executor.secretEnv)
            .filter(([, ref]) => !ref.fileVariable)
            .map(([name]) => [name, null]),
        ),
      },
      labels: {
        title: "Labels",
        description: "Labels added to the flow run's Job and pod.",
        type: "object",
        additionalProperties: { type: "string" },
      },
      command: {
        title: "Command",
        description: "The command that starts the flow run; Prefect's default when empty.",
        type: "string",
      },
      image: {
        title: "Image",
        description: "Image of the flow run's container; pin an exact tag or digest.",
        type: "string",
        default: pool.executor.image,
      },
      image_pull_policy: {
        title: "Image pull policy",
        type: "string",
        enum: ["IfNotPresent", "Always", "Never"],
        default: "IfNotPresent",
      },
      backoff_limit: {
        title: "Backoff limit",
        description: "Retries of the flow run's pod; 0 lets Prefect reschedule an evicted run instead.",
        type: "integer",
        minimum: 0,
        default: pool.executor.backoffLimit,
      },
      active_deadline_seconds: {
        title: "Deadline (seconds)",
        description: "How long the flow run's Job may run before Kubernetes stops it; at most the platform's limit.",
        type: "integer",
        minimum: 1,
        maximum: layout.deadlineSeconds,
        default: layout.deadlineSeconds,
      },
      finished_job_ttl: {
        title: "Finished job TTL",
        description: "Seconds a finished Job and its pod are kept before Kubernetes deletes them.",
        type: "integer",
        minimum: 0,
        default: pool.executor.ttlSecondsAfterFinished,
      },
      job_watch_timeout_seconds: {
        title: "Job watch timeout (seconds)",
        description: "How long the worker waits for each event of a Job; no limit when empty.",
        type: "integer",
      },
      pod_watch_timeout_seconds: {
        title: "Pod watch timeout (seconds)",
        description: "How long the worker waits for the flow run's pod to start.",
        type: "integer",
        default: POD_WATCH_TIMEOUT_SECONDS,
      },
      stream_output: {
        title: "Stream output",
        description: "Stream the flow run's logs to the worker.",
        type: "boolean",
        default: true,
      },
    },
  };
}

/**
 * The template itself. The namespace, resources and security context are fixed
 * here rather than variables: a deployment must not move flow runs out of the
 * namespace whose quota, limits and network policies bound them.
 */
export function baseJobTemplate(pool: ExecutorPoolSpec, layout: ExecutorLayout): Record<string, unknown> {
  return {
    job_configuration: {
      command: "{{ command }}",
      env: "{{ env }}",
      labels: "{{ labels }}",
      name: "{{ name }}",
      namespace: layout.executorNamespace,
      job_manifest: executorJobManifest(pool, layout),
      job_watch_timeout_seconds: "{{ job_watch_timeout_seconds }}",
      pod_watch_timeout_seconds: "{{ pod_watch_timeout_seconds }}",
      stream_output: "{{ stream_output }}",
    },
    variables: variables(pool, layout),
  };
}

/** The template as the file bundle the worker's registration step reads. */
export function baseJobTemplateBundle(pool: ExecutorPoolSpec, layout: ExecutorLayout): FileBundle {
  return {
    name: `${pool.name}-job-template`,
    directory: TEMPLATE_DIRECTORY,
    files: { [TEMPLATE_FILE]: `${JSON.stringify(baseJobTemplate(pool, layout), null, 2)}\n` },
  };
}
