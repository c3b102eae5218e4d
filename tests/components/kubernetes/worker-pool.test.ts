import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { TEMPLATE_FILE } from "../../../components/kubernetes/base-job-template";
import { bundleConfigMapName } from "../../../components/kubernetes/bundles";
import { WorkerPool } from "../../../components/kubernetes/worker-pool";
import { build, dependencyNames, K8S, ofKind, single, specWith, testPlacement } from "./harness";
import { restrictedViolations } from "./pod-rules";
import { field } from "../../support/field";

type Json = Record<string, unknown>;

async function deploy(overrides: Record<string, unknown> = {}) {
  const spec = specWith(overrides);
  return build(
    () =>
      new WorkerPool("workers", {
        pool: spec.executorPools[0],
        instance: spec.instance,
        placement: testPlacement({ spec }),
        namespace: "ml-platform",
        executorNamespace: "ml-executors",
        executors: {
          instance: spec.instance,
          executorNamespace: "ml-executors",
          claimName: (volume) => volume,
          bundleConfigMap: bundleConfigMapName,
          secretName: (secret) => `executor-${secret}`,
          gpuRuntimeClassName: "nvidia",
          deadlineSeconds: 86400,
          serviceUrl: (address) => `http://${address.service}.ml-platform.svc.cluster.local${address.path}`,
        },
        secretValues: {
          "prefect-auth": { "auth-string": pulumi.secret("admin:s3cret"), password: pulumi.secret("s3cret") },
          "model-publish": { token: pulumi.secret("publish-t0ken-publish-t0ken") },
        },
      }),
  );
}

const envOf = (container: Json) =>
  Object.fromEntries((container.env as Json[]).map((variable) => [variable.name, variable.value]));

describe("kubernetes target: WorkerPool", () => {
  it("grants exactly what Prefect's kubernetes worker needs, in the executor namespace only", async () => {
    const built = await deploy();
    const role = single(built, K8S.role);
    assert.strictEqual(
      field(role.inputs.metadata, "namespace"),
      "ml-executors",
      `${role.name} is not in the executor namespace`,
    );
    assert.deepStrictEqual(
      role.inputs.rules,
      [
        { apiGroups: [""], resources: ["pods", "pods/log", "pods/status", "events"], verbs: ["get", "watch", "list"] },
        {
          apiGroups: ["batch"],
          resources: ["jobs"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
      ],
      `${role.name}: rules`,
    );
    assert.strictEqual(
      ofKind(built, K8S.clusterRole).length + ofKind(built, K8S.clusterRoleBinding).length,
      0,
      "the worker got cluster-wide rights",
    );
    const binding = single(built, K8S.roleBinding);
    const account = single(built, K8S.serviceAccount);
    assert.strictEqual(
      field(binding.inputs.metadata, "namespace"),
      "ml-executors",
      `${binding.name} is not in the executor namespace`,
    );
    assert.deepStrictEqual(
      binding.inputs.roleRef,
      { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: field(role.inputs.metadata, "name") },
      `${binding.name}: roleRef`,
    );
    assert.deepStrictEqual(
      binding.inputs.subjects,
      [{ kind: "ServiceAccount", name: field(account.inputs.metadata, "name"), namespace: "ml-platform" }],
      `${binding.name} binds someone other than the worker's account`,
    );
    assert.strictEqual(
      account.inputs.automountServiceAccountToken,
      false,
      `${account.name}: tokens must be opted into`,
    );
  });

  for (const [replicas, maxConcurrentRuns] of [
    [1, 1000],
    [4, 10],
  ]) {
    it(`runs ${replicas} kubernetes-type worker(s) whose limits add up to at most ${maxConcurrentRuns} runs`, async () => {
      const built = await deploy({ worker: { replicas, maxConcurrentRuns } });
      const deployment = single(built, K8S.deployment);
      assert.strictEqual(field(deployment.inputs.spec, "replicas"), replicas, `${deployment.name}: replicas`);
      const pod = field(deployment.inputs.spec, "template", "spec") as Json;
      const [worker] = pod.containers as Json[];
      const command = worker.command as string[];
      assert.deepStrictEqual(command.slice(0, 3), ["prefect", "worker", "start"], `${deployment.name}: not a worker`);
      assert.deepStrictEqual(
        command.slice(-2),
        ["--type", "kubernetes"],
        `${deployment.name}: not a kubernetes-type worker`,
      );
      const limit = Number(command[command.indexOf("--limit") + 1]);
      assert.ok(
        limit * replicas <= maxConcurrentRuns && limit >= 1,
        `${deployment.name}: --limit ${limit} x ${replicas} workers exceeds ${maxConcurrentRuns}`,
      );
      assert.deepStrictEqual(restrictedViolations(pod), [], `${deployment.name}: pod breaks the restricted profile`);
      assert.deepStrictEqual(
        [pod.automountServiceAccountToken, pod.serviceAccountName],
        [true, field(single(built, K8S.serviceAccount).inputs.metadata, "name")],
        `${deployment.name}: the worker needs its account's token`,
      );
    });
  }

  it("tells the worker the one namespace to watch, and reads nothing of kube-system", async () => {
    const built = await deploy();
    const [worker] = field(single(built, K8S.deployment).inputs.spec, "template", "spec", "containers") as Json[];
    const env = envOf(worker);
    assert.strictEqual(
      env.PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES,
      "ml-executors",
      "the worker would watch Jobs cluster-wide",
    );
    // prefect-kubernetes 0.6 and later tell clusters apart without kube-system's UID.
    assert.ok(!("PREFECT_KUBERNETES_CLUSTER_UID" in env), "the worker is still given a cluster UID");
    assert.strictEqual(ofKind(built, K8S.namespace).length, 0, "the program reads a Namespace it does not own");
  });

  it("registers the pool with its base job template before any worker starts", async () => {
    const built = await deploy();
    const deployment = single(built, K8S.deployment);
    const pod = field(deployment.inputs.spec, "template", "spec") as Json;
    const [register] = pod.initContainers as Json[];
    const script = (register.command as string[]).join(" ");
    const env = envOf(register);
    assert.match(
      script,
      /prefect work-pool create "\$WORK_POOL_NAME" --type "\$WORK_POOL_TYPE" --base-job-template "\$WORK_POOL_TEMPLATE" --overwrite/,
      "the pool is not created from the template",
    );
    assert.match(
      script,
      /prefect work-pool set-concurrency-limit "\$WORK_POOL_NAME" "\$WORK_POOL_CONCURRENCY_LIMIT"/,
      "the pool is not capped as a whole",
    );
    assert.deepStrictEqual(
      [env.WORK_POOL_NAME, env.WORK_POOL_TYPE, env.WORK_POOL_CONCURRENCY_LIMIT],
      [specWith().executorPools[0].workPool, "kubernetes", String(specWith().executorPools[0].maxConcurrentRuns)],
      "registration settings",
    );
    assert.strictEqual(
      env.PREFECT_API_URL,
      "http://prefect-server.ml-platform.svc.cluster.local:4200/api",
      "registration does not reach the server",
    );
    const [configMap] = ofKind(built, K8S.configMap).filter(
      (candidate) => field(candidate.inputs.metadata, "namespace") === "ml-platform",
    );
    const templateText = (configMap.inputs.data as Record<string, string>)[TEMPLATE_FILE];
    assert.ok(templateText, `${configMap.name} does not hold ${TEMPLATE_FILE}`);
    assert.strictEqual(
      JSON.parse(templateText).job_configuration.namespace,
      "ml-executors",
      `${configMap.name}: template for the wrong namespace`,
    );
    const templateVolume = (pod.volumes as Json[]).find(
      (volume) => field(volume, "configMap", "name") === field(configMap.inputs.metadata, "name"),
    );
    assert.ok(templateVolume, "the template ConfigMap is not mounted");
    const mount = (register.volumeMounts as Json[]).find((candidate) => candidate.name === templateVolume.name);
    assert.strictEqual(
      `${String(mount?.mountPath)}/${TEMPLATE_FILE}`,
      env.WORK_POOL_TEMPLATE,
      "registration reads the template from elsewhere",
    );
    assert.strictEqual(mount?.readOnly, true, "the template mount is writable");
    assert.deepStrictEqual(
      restrictedViolations(pod),
      [],
      `${deployment.name}: the registration step breaks the restricted profile`,
    );
  });

  it("gives every flow run the flows at the path deployments point to, from a ConfigMap of its own namespace", async () => {
    const built = await deploy();
    const flows = specWith().executorPools[0].executor.bundles.find((bundle) => bundle.name === "flows");
    assert.ok(flows, "the executors get no flows bundle");
    assert.deepStrictEqual(
      Object.keys(flows.files).sort(),
      ["deploy.py", "fan_out.py", "train.py", "training.py"],
      "files the flow runs load",
    );
    const executorFiles = ofKind(built, K8S.configMap).filter(
      (candidate) => field(candidate.inputs.metadata, "namespace") === "ml-executors",
    );
    assert.deepStrictEqual(
      executorFiles.map((configMap) => field(configMap.inputs.metadata, "name")),
      [bundleConfigMapName(flows)],
      "ConfigMaps in the executor namespace",
    );
    assert.deepStrictEqual(executorFiles[0].inputs.data, flows.files, "the executor's copy differs from the worker's");
    const [templateMap] = ofKind(built, K8S.configMap).filter(
      (candidate) => field(candidate.inputs.metadata, "namespace") === "ml-platform",
    );
    const template = JSON.parse((templateMap.inputs.data as Record<string, string>)[TEMPLATE_FILE]);
    const podSpec = template.job_configuration.job_manifest.spec.template.spec as Json;
    const volume = (podSpec.volumes as Json[]).find(
      (candidate) => field(candidate, "configMap", "name") === bundleConfigMapName(flows),
    );
    assert.ok(volume, "the job template does not mount the flows ConfigMap");
    const [container] = podSpec.containers as Json[];
    const mount = (container.volumeMounts as Json[]).find((candidate) => candidate.name === volume.name);
    assert.deepStrictEqual(
      [mount?.mountPath, mount?.readOnly],
      [flows.directory, true],
      "where flow runs find the flows",
    );
    const deployment = single(built, K8S.deployment);
    // A dependency on the component that owns the ConfigMap waits for the ConfigMap.
    const dependencies = await dependencyNames(built, deployment);
    assert.ok(
      dependencies.some((dependency) => executorFiles[0].name.startsWith(`${dependency}-`)),
      `workers may start flow runs before their code exists (they wait for ${dependencies.join(", ")})`,
    );
  });

  it("lets flow runs read the Prefect login and the model intake's token from Secrets of their namespace, never as values in a Job", async () => {
    const built = await deploy();
    const secrets = ofKind(built, K8S.secret);
    assert.deepStrictEqual(
      secrets.map((secret) => [field(secret.inputs.metadata, "namespace"), field(secret.inputs.metadata, "name")]),
      [
        ["ml-executors", "executor-prefect-auth"],
        ["ml-executors", "executor-model-publish"],
      ],
      "Secrets the worker pool creates",
    );
    // Registered as secrets: Pulumi's secret envelope around the values; only the keys flow runs read.
    const copies = secrets.map((secret) => (secret.inputs.stringData as { value?: Json }).value);
    assert.deepStrictEqual(
      copies,
      [{ "auth-string": "admin:s3cret" }, { token: "publish-t0ken-publish-t0ken" }],
      "the executors' copies hold other keys or values than the login and the token, or are not secrets",
    );
    const [templateMap] = ofKind(built, K8S.configMap).filter(
      (candidate) => field(candidate.inputs.metadata, "namespace") === "ml-platform",
    );
    const template = JSON.parse((templateMap.inputs.data as Record<string, string>)[TEMPLATE_FILE]);
    const [container] = template.job_configuration.job_manifest.spec.template.spec.containers as Json[];
    const login = (container.env as Json[]).find((variable) => variable.name === "PREFECT_API_AUTH_STRING");
    assert.deepStrictEqual(
      login?.valueFrom,
      { secretKeyRef: { name: "executor-prefect-auth", key: "auth-string" } },
      "the job template does not read the login from the Secret",
    );
    // prefect-kubernetes puts the worker's own settings (its login included) before the template's
    // list and drops the template's entries of the same name, unless the `env` variable sets them to null.
    const variables = Object.fromEntries((container.env as Json[]).map((variable) => [variable.name, variable.value]));
    assert.deepStrictEqual(
      [variables.ML_PLATFORM_MODEL_PUBLISH_URL, variables.ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE],
      ["http://model-serving.ml-platform.svc.cluster.local/model", "/run/secrets/model-publish/token"],
      "flow runs are not told where serving's model intake is, or where its token is",
    );
    assert.ok(!("ML_PLATFORM_MODEL_PUBLISH_TOKEN" in variables), "the token is a variable, not a file");
    assert.deepStrictEqual(
      template.variables.properties.env.default,
      { PREFECT_API_AUTH_STRING: null },
      "the worker would copy its login into every Job as a plain value",
    );
  });

  it("lets a drain take one of several workers at a time, and gives a single worker no budget that would block it", async () => {
    const several = await deploy({ worker: { replicas: 2, maxConcurrentRuns: 4 } });
    const [pdb] = ofKind(several, K8S.pdb);
    assert.ok(pdb, "two workers without a PodDisruptionBudget: the production policy refuses them");
    assert.strictEqual(field(pdb.inputs.spec, "maxUnavailable"), 1, `${pdb.name}: maxUnavailable`);
    assert.deepStrictEqual(
      field(pdb.inputs.spec, "selector", "matchLabels"),
      field(single(several, K8S.deployment).inputs.spec, "selector", "matchLabels"),
      `${pdb.name} does not select the workers`,
    );
    assert.strictEqual(ofKind(await deploy({ worker: { replicas: 1 } }), K8S.pdb).length, 0, "one worker got a budget");
  });

  it("starts workers only once their rights exist", async () => {
    const built = await deploy();
    const deployment = single(built, K8S.deployment);
    assert.ok(
      (await dependencyNames(built, deployment)).includes(single(built, K8S.roleBinding).name),
      `${deployment.name} may start before its RoleBinding`,
    );
  });
});
