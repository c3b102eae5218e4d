import * as assert from "assert";
import {
  baseJobTemplate,
  baseJobTemplateBundle,
  ExecutorLayout,
  PREFECT_JOB_CONTAINER,
  TEMPLATE_FILE,
} from "../../../components/kubernetes/base-job-template";
import { ExecutorPoolSpec } from "../../../platform/model";
import { specWith } from "./harness";
import { restrictedViolations } from "./pod-rules";
import { field } from "../../support/field";

type Json = Record<string, unknown>;

const LAYOUT: ExecutorLayout = {
  instance: "ml-platform-test",
  executorNamespace: "flow-runs",
  claimName: (volume) => `claim-${volume}`,
  bundleConfigMap: (bundle) => `files-${bundle.name}`,
  secretName: (secret) => `copy-of-${secret}`,
  gpuRuntimeClassName: "nvidia",
  deadlineSeconds: 7200,
  serviceUrl: (address) => `${address.scheme}://${address.service}.platform-ns:${address.port}${address.path}`,
};

function poolWith(overrides: Record<string, unknown> = {}): ExecutorPoolSpec {
  return specWith(overrides).executorPools[0];
}

/**
 * What Prefect's kubernetes worker requires of a job manifest before it uses
 * it (prefect-kubernetes, KubernetesWorkerJobConfiguration): these paths must
 * exist, with these values where one is given.
 */
const PREFECT_REQUIRED_MANIFEST = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { labels: {} },
  spec: {
    template: {
      spec: { parallelism: 1, completions: 1, restartPolicy: "Never", containers: [{ name: PREFECT_JOB_CONTAINER }] },
    },
  },
};

/** Paths of `required` missing from `actual`, or with another value there. */
function unmetRequirements(required: unknown, actual: unknown, at = ""): string[] {
  if (Array.isArray(required)) {
    if (!Array.isArray(actual)) return [`${at} is not a list`];
    return required.flatMap((item, index) => unmetRequirements(item, actual[index], `${at}/${index}`));
  }
  if (typeof required === "object" && required !== null) {
    if (typeof actual !== "object" || actual === null) return [`${at} is missing`];
    return Object.entries(required).flatMap(([key, value]) =>
      unmetRequirements(value, (actual as Json)[key], `${at}/${key}`),
    );
  }
  return actual === required ? [] : [`${at} must be ${JSON.stringify(required)}, is ${JSON.stringify(actual)}`];
}

describe("kubernetes target: the work pool's base job template", () => {
  it("has the shape Prefect's kubernetes worker accepts", () => {
    const template = baseJobTemplate(poolWith(), LAYOUT);
    assert.deepStrictEqual(Object.keys(template).sort(), ["job_configuration", "variables"]);
    const manifest = field(template, "job_configuration", "job_manifest");
    assert.deepStrictEqual(
      unmetRequirements(PREFECT_REQUIRED_MANIFEST, manifest),
      [],
      "the worker would refuse this job manifest",
    );
    for (const key of ["command", "env", "labels", "name"]) {
      assert.strictEqual(
        field(template, "job_configuration", key),
        `{{ ${key} }}`,
        `job_configuration.${key} does not take the deployment's value`,
      );
    }
  });

  it("runs every flow in the executor namespace, with no variable to move it elsewhere", () => {
    const template = baseJobTemplate(poolWith(), LAYOUT);
    assert.strictEqual(field(template, "job_configuration", "namespace"), "flow-runs", "job_configuration.namespace");
    assert.strictEqual(
      field(template, "job_configuration", "job_manifest", "metadata", "namespace"),
      "flow-runs",
      "the Job's namespace",
    );
    assert.strictEqual(
      field(template, "variables", "properties", "namespace"),
      undefined,
      "a deployment could move flow runs out of their quota and policies",
    );
  });

  for (const executor of [
    {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 3600,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    },
    {
      backoffLimit: 3,
      ttlSecondsAfterFinished: 120,
      resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "8Gi" } },
    },
  ]) {
    it(`cleans up after ${executor.ttlSecondsAfterFinished}s, retries ${executor.backoffLimit} times and sizes pods as configured`, () => {
      const pool = poolWith({ worker: { executor } });
      const template = baseJobTemplate(pool, LAYOUT);
      const spec = field(template, "job_configuration", "job_manifest", "spec") as Json;
      assert.strictEqual(spec.ttlSecondsAfterFinished, "{{ finished_job_ttl }}", "the TTL is not the variable");
      assert.strictEqual(spec.backoffLimit, "{{ backoff_limit }}", "the backoff limit is not the variable");
      assert.strictEqual(
        field(template, "variables", "properties", "finished_job_ttl", "default"),
        executor.ttlSecondsAfterFinished,
        "finished_job_ttl default",
      );
      assert.strictEqual(
        field(template, "variables", "properties", "backoff_limit", "default"),
        executor.backoffLimit,
        "backoff_limit default",
      );
      const [container] = field(spec, "template", "spec", "containers") as Json[];
      assert.deepStrictEqual(
        container.resources,
        {
          requests: { ...executor.resources.requests, "ephemeral-storage": "128Mi" },
          limits: { ...executor.resources.limits, "ephemeral-storage": "2Gi" },
        },
        "executor resources",
      );
    });
  }

  it("makes each flow run one pod, stopped at the platform's deadline, on the Job where Kubernetes reads it", () => {
    const template = baseJobTemplate(poolWith(), LAYOUT);
    const spec = field(template, "job_configuration", "job_manifest", "spec") as Json;
    assert.deepStrictEqual(
      [spec.parallelism, spec.completions, spec.activeDeadlineSeconds],
      [1, 1, "{{ active_deadline_seconds }}"],
      "the Job's own parallelism, completions and deadline",
    );
    const deadline = field(template, "variables", "properties", "active_deadline_seconds") as Json;
    assert.deepStrictEqual(
      [deadline.type, deadline.default, deadline.minimum, deadline.maximum],
      ["integer", 7200, 1, 7200],
      "a deployment may shorten the deadline, never lengthen it",
    );
  });

  it("holds flow-run pods to the restricted profile, without an API token", () => {
    const pod = field(
      baseJobTemplate(poolWith(), LAYOUT),
      "job_configuration",
      "job_manifest",
      "spec",
      "template",
      "spec",
    ) as Json;
    assert.deepStrictEqual(restrictedViolations(pod), [], "flow-run pods break the restricted profile");
    assert.strictEqual(pod.automountServiceAccountToken, false, "flow-run pods get an API token");
    const [container] = pod.containers as Json[];
    assert.strictEqual(
      field(container, "securityContext", "readOnlyRootFilesystem"),
      true,
      "flow-run pods can write their root filesystem",
    );
  });

  it("mounts the data claim read-only and the models claim writable, like the neutral executor", () => {
    const pool = poolWith();
    const pod = field(
      baseJobTemplate(pool, LAYOUT),
      "job_configuration",
      "job_manifest",
      "spec",
      "template",
      "spec",
    ) as Json;
    const volumes = pod.volumes as Json[];
    const [container] = pod.containers as Json[];
    const mounts = container.volumeMounts as Json[];
    for (const mount of pool.executor.mounts) {
      const volume = volumes.find(
        (candidate) => field(candidate, "persistentVolumeClaim", "claimName") === `claim-${mount.volume}`,
      );
      assert.ok(volume, `no volume for the ${mount.volume} claim`);
      const mounted = mounts.find((candidate) => candidate.name === volume.name);
      assert.deepStrictEqual(
        [mounted?.mountPath, mounted?.readOnly],
        [mount.path, mount.readOnly],
        `the ${mount.volume} claim is mounted wrong`,
      );
    }
  });

  it("defaults to the executor image and lets the image's entrypoint run Prefect's command", () => {
    const pool = poolWith({ images: { prefectWorker: "registry.example.test/prefect:3.6.10-python3.12-kubernetes" } });
    const template = baseJobTemplate(pool, LAYOUT);
    const [container] = field(
      template,
      "job_configuration",
      "job_manifest",
      "spec",
      "template",
      "spec",
      "containers",
    ) as Json[];
    assert.deepStrictEqual(
      [container.image, container.args, container.command],
      ["{{ image }}", "{{ command }}", undefined],
      "the container's image and command",
    );
    assert.strictEqual(
      field(template, "variables", "properties", "image", "default"),
      "registry.example.test/prefect:3.6.10-python3.12-kubernetes",
      "image default",
    );
  });

  it("labels flow-run pods so the network policies can tell them apart", () => {
    const template = baseJobTemplate(poolWith(), LAYOUT);
    const labels = field(
      template,
      "job_configuration",
      "job_manifest",
      "spec",
      "template",
      "metadata",
      "labels",
    ) as Record<string, string>;
    assert.deepStrictEqual(
      [labels["app.kubernetes.io/name"], labels["app.kubernetes.io/instance"], labels["app.kubernetes.io/component"]],
      ["prefect-worker-executor", "ml-platform-test", "executor"],
      "flow-run pod labels",
    );
  });

  it("ships as a JSON file for `prefect work-pool create --base-job-template`", () => {
    const pool = poolWith();
    const bundle = baseJobTemplateBundle(pool, LAYOUT);
    assert.deepStrictEqual(
      JSON.parse(bundle.files[TEMPLATE_FILE]),
      JSON.parse(JSON.stringify(baseJobTemplate(pool, LAYOUT))),
      "the file is not the template",
    );
  });
});
