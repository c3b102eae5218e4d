import * as assert from "assert";
import * as path from "path";
import { decodeProjectConfig } from "../../config/load";
import { ConfigProblem, plaintextCredentialProblems, validatePlatformConfig } from "../../config/validate";
import { readStackConfig } from "../../tools/render/stack-config";
import { projectRoot } from "../../platform/project-root";

/** The keys every stack file must state; the cases below override them where they matter. */
const DEV = { target: "docker", environment: "development" };

function problemsOf(raw: Record<string, unknown>): ConfigProblem[] {
  const result = validatePlatformConfig({ ...DEV, ...raw });
  assert.ok(!result.ok, `expected ${JSON.stringify(raw)} to be rejected`);
  return result.problems;
}

function problemFor(problems: ConfigProblem[], key: string): ConfigProblem {
  const found = problems.find((problem) => problem.key === key);
  assert.ok(found, `no problem reported for ${key}; got:\n${problems.map((p) => `${p.key}: ${p.message}`).join("\n")}`);
  return found;
}

function stackRaw(stack: string): Record<string, unknown> {
  return decodeProjectConfig(readStackConfig(projectRoot(), stack).config);
}

describe("stack config validation", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    it(`accepts the committed Pulumi.${stack}.yaml`, () => {
      const result = validatePlatformConfig(stackRaw(stack));
      assert.ok(result.ok, result.ok ? "" : result.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    });
  }

  it("selects the target each stack file asks for", () => {
    const dev = validatePlatformConfig(stackRaw("dev"));
    const prod = validatePlatformConfig(stackRaw("prod"));
    assert.ok(dev.ok && prod.ok);
    assert.strictEqual(dev.config.target, "docker");
    assert.strictEqual(prod.config.target, "kubernetes");
    assert.strictEqual(prod.config.environment, "production");
    assert.strictEqual(prod.config.worker.maxConcurrentRuns, 8);
  });

  it("fills every other key from defaults when a stack states only its target and environment", () => {
    const result = validatePlatformConfig(DEV);
    assert.ok(result.ok);
    assert.strictEqual(result.config.target, "docker");
    assert.strictEqual(result.config.serving.autoscaling.minReplicas, 2);
    assert.strictEqual(result.config.volumes.models.accessMode, "ReadWriteOnce");
    assert.strictEqual(result.config.protectStorage, true);
  });

  it("refuses a stack that does not state its target and environment, naming both: no default may pick them", () => {
    for (const raw of [{}, { protectStorage: false, kubernetes: { kubeconfigPath: "/k.yaml" } }]) {
      const result = validatePlatformConfig(raw);
      assert.ok(!result.ok, `${JSON.stringify(raw)} was accepted`);
      assert.match(
        problemFor(result.problems, "ml-platform:target").message,
        /missing; every stack file must state it: one of "docker", "swarm", "kubernetes"/,
      );
      assert.match(
        problemFor(result.problems, "ml-platform:environment").message,
        /missing; every stack file must state it: one of "development", "staging", "production"/,
      );
    }
    const noEnvironment = problemsOf({ environment: undefined, target: "kubernetes", kubeconfig: "k" });
    assert.deepStrictEqual(
      noEnvironment.map((problem) => problem.key),
      ["ml-platform:environment"],
    );
  });

  it("reports every problem of a broken file at once, each with its key path", () => {
    const problems = problemsOf({
      target: "dockr",
      serving: { replics: 3, replicas: -1, autoscaling: { minReplicas: 5, maxReplicas: 2 } },
      worker: { maxConcurrentRuns: "four" },
      volumes: 5,
    });
    assert.match(problemFor(problems, "ml-platform:target").message, /"docker", "swarm", "kubernetes"/);
    assert.match(problemFor(problems, "ml-platform:serving.replics").message, /did you mean "replicas"/);
    assert.match(problemFor(problems, "ml-platform:serving.replicas").message, /at least 1/);
    assert.match(problemFor(problems, "ml-platform:serving.autoscaling.minReplicas").message, /exceeds maxReplicas 2/);
    assert.match(problemFor(problems, "ml-platform:worker.maxConcurrentRuns").message, /number/);
    assert.match(problemFor(problems, "ml-platform:volumes").message, /object/);
    assert.strictEqual(problems.length, 6, problems.map((p) => p.key).join(", "));
  });

  it("rejects quantities, ports and schedules that Kubernetes and Docker would refuse", () => {
    const problems = problemsOf({
      server: { resources: { limits: { memory: "1GB", cpu: "two" } } },
      serving: { port: 70000 },
      retraining: { schedule: "61 * * * *" },
    });
    assert.match(problemFor(problems, "ml-platform:server.resources.limits.memory").message, /memory quantity/);
    assert.match(problemFor(problems, "ml-platform:server.resources.limits.cpu").message, /CPU quantity/);
    assert.match(problemFor(problems, "ml-platform:serving.port").message, /1 to 65535/);
    assert.match(problemFor(problems, "ml-platform:retraining.schedule").message, /minute "61" is outside 0-59/);
  });

  it("refuses requests above limits", () => {
    const problems = problemsOf({ training: { resources: { requests: { cpu: "4" }, limits: { cpu: "2" } } } });
    assert.match(problemFor(problems, "ml-platform:training.resources.requests.cpu").message, /exceeds the limit 2/);
  });

  it("refuses moving or missing image tags", () => {
    const problems = problemsOf({ images: { serving: "python:latest", training: "python" } });
    assert.match(problemFor(problems, "ml-platform:images.serving").message, /"latest"/);
    assert.match(problemFor(problems, "ml-platform:images.training").message, /no tag/);
  });

  it("holds production stacks to releases, not release lines; development keeps any versioned tag", () => {
    const images = { serving: "python:3.12-slim", postgres: "postgres:16" };
    const problems = problemsOf({ environment: "production", images, docker: { proxyImage: "nginx:1.27-alpine" } });
    assert.match(problemFor(problems, "ml-platform:images.serving").message, /"3.12-slim", a release line/);
    assert.match(problemFor(problems, "ml-platform:images.postgres").message, /"16", a release line/);
    assert.match(problemFor(problems, "ml-platform:docker.proxyImage").message, /release line/);
    assert.ok(validatePlatformConfig({ ...DEV, images }).ok);
  });

  it("takes only an http(s) URL with a host as the public URL", () => {
    for (const bad of [
      "javascript:alert(1)",
      "file:///etc/passwd",
      "http://ml platform.local",
      "ftp://ml.local",
      "ml.local",
    ]) {
      assert.match(
        problemFor(problemsOf({ server: { publicUrl: bad } }), "ml-platform:server.publicUrl").message,
        /must be an http:\/\/ or https:\/\/ URL/,
        bad,
      );
    }
    assert.ok(validatePlatformConfig({ ...DEV, server: { publicUrl: "https://ml.example.com:8443/prefect" } }).ok);
  });

  it("takes a DNS name, or nothing, as the ingress host", () => {
    for (const bad of [
      "http://ml.local",
      "ml.local:80",
      "10.0.0.5",
      "ML.local",
      "ml_platform.local",
      `${"a".repeat(64)}.com`,
    ]) {
      assert.match(
        problemFor(problemsOf({ kubernetes: { ingressHost: bad } }), "ml-platform:kubernetes.ingressHost").message,
        /must be a DNS name/,
        bad,
      );
    }
    for (const good of ["", "ml-platform.local", "*.ml.example.com", "ml"])
      assert.ok(validatePlatformConfig({ ...DEV, kubernetes: { ingressHost: good } }).ok, good);
  });

  it("accepts what Kubernetes accepts: storage classes with dots, fractional sizes", () => {
    const result = validatePlatformConfig({
      ...DEV,
      kubernetes: { storageClass: "fast.ssd.example.com" },
      volumes: { models: { size: "1.5Gi", storageClass: "nfs.csi.k8s.io" } },
      database: { resources: { requests: { memory: "0.5Gi" }, limits: { memory: "1.5Gi" } } },
    });
    assert.ok(result.ok, result.ok ? "" : result.problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
    const problems = problemsOf({ volumes: { data: { storageClass: "Fast_SSD", size: "1.5.0Gi" } } });
    assert.match(problemFor(problems, "ml-platform:volumes.data.storageClass").message, /DNS subdomain/);
    assert.match(problemFor(problems, "ml-platform:volumes.data.size").message, /memory quantity/);
  });

  it("refuses the cluster's own namespaces for the platform and its executors", () => {
    for (const reserved of ["default", "kube-system", "kube-public", "kube-node-lease", "kube-anything", "ingress"]) {
      const problems = problemsOf({ kubernetes: { namespace: reserved, executorNamespace: reserved } });
      assert.match(problemFor(problems, "ml-platform:kubernetes.namespace").message, /is reserved/, reserved);
      assert.match(problemFor(problems, "ml-platform:kubernetes.executorNamespace").message, /is reserved/, reserved);
    }
  });

  it("requires an explicit kubeconfig for the kubernetes target", () => {
    const problems = problemsOf({ target: "kubernetes" });
    assert.match(problemFor(problems, "ml-platform:kubeconfig").message, /ambient kubeconfig is never used/);
    assert.ok(validatePlatformConfig({ ...DEV, target: "kubernetes", kubernetes: { kubeconfigPath: "/k.yaml" } }).ok);
    assert.ok(validatePlatformConfig({ ...DEV, target: "kubernetes", kubeconfig: "apiVersion: v1" }).ok);
  });

  it("refuses a GPU request where the target has no GPU support", () => {
    const docker = problemsOf({ training: { gpu: { enabled: true } } });
    assert.match(problemFor(docker, "ml-platform:training.gpu.enabled").message, /docker.gpuSupport/);
    assert.ok(
      validatePlatformConfig({ ...DEV, training: { gpu: { enabled: true } }, docker: { gpuSupport: true } }).ok,
    );
  });

  it("refuses two workloads on one host port", () => {
    const problems = problemsOf({ docker: { serverHostPort: 8080, servingHostPort: 8080 } });
    assert.match(problemFor(problems, "ml-platform:docker.servingHostPort").message, /must differ/);
  });

  it("keeps executors in a namespace of their own", () => {
    const problems = problemsOf({ kubernetes: { namespace: "ml", executorNamespace: "ml" } });
    assert.match(problemFor(problems, "ml-platform:kubernetes.executorNamespace").message, /namespace of their own/);
  });

  it("keeps the Docker-socket opt-in to the docker target", () => {
    const problems = problemsOf({ target: "kubernetes", kubeconfig: "x", docker: { workerDockerSocket: true } });
    problemFor(problems, "ml-platform:docker.workerDockerSocket");
  });

  it("refuses the Docker-socket opt-in at its old key, naming where it moved", () => {
    const problems = problemsOf({ worker: { dockerSocket: true } });
    assert.strictEqual(
      problemFor(problems, "ml-platform:worker.dockerSocket").message,
      "has moved to ml-platform:docker.workerDockerSocket; set it there instead",
    );
    assert.strictEqual(problems.length, 1, problems.map((p) => `${p.key}: ${p.message}`).join("\n"));
  });

  describe("the worker image on each target", () => {
    const KUBERNETES = { target: "kubernetes", environment: "production", kubernetes: { kubeconfigPath: "/k.yaml" } };

    it("defaults to the -kubernetes variant on the kubernetes target, which carries prefect-kubernetes", () => {
      const kubernetes = validatePlatformConfig(KUBERNETES);
      const docker = validatePlatformConfig(DEV);
      assert.ok(kubernetes.ok && docker.ok);
      assert.strictEqual(kubernetes.config.images.prefectWorker, "prefecthq/prefect:3.6.10-python3.12-kubernetes");
      assert.strictEqual(docker.config.images.prefectWorker, "prefecthq/prefect:3.6.10-python3.12");
    });

    it("refuses Prefect's image without the -kubernetes variant on the kubernetes target, naming the image to use", () => {
      const result = validatePlatformConfig({
        ...KUBERNETES,
        images: { prefectWorker: "prefecthq/prefect:3.6.10-python3.12" },
      });
      assert.ok(!result.ok);
      assert.match(
        problemFor(result.problems, "ml-platform:images.prefectWorker").message,
        /lacks prefect-kubernetes.*use prefecthq\/prefect:3\.6\.10-python3\.12-kubernetes/,
      );
    });

    it("accepts the -kubernetes variant, a digest, and other repositories' images there (the policy advises on those)", () => {
      for (const prefectWorker of [
        "prefecthq/prefect:3.6.11-python3.12-kubernetes",
        `prefecthq/prefect@sha256:${"a".repeat(64)}`,
        "localhost:32000/flows-worker:1.4.0",
      ]) {
        const result = validatePlatformConfig({ ...KUBERNETES, images: { prefectWorker } });
        assert.ok(result.ok, `${prefectWorker}: ${result.ok ? "" : JSON.stringify(result.problems)}`);
        assert.strictEqual(result.config.images.prefectWorker, prefectWorker);
      }
    });

    it("leaves the docker target's worker image alone: its process worker needs no integration", () => {
      const result = validatePlatformConfig({
        ...DEV,
        images: { prefectWorker: "prefecthq/prefect:3.6.10-python3.12" },
      });
      assert.ok(result.ok);
    });
  });

  describe("executor capacity on the kubernetes target", () => {
    const KUBERNETES = { target: "kubernetes", environment: "production", kubernetes: { kubeconfigPath: "/k.yaml" } };
    const executors = (maxConcurrentRuns: number, cpu: string, memory: string) => ({
      worker: {
        maxConcurrentRuns,
        executor: { resources: { limits: { cpu, memory }, requests: { cpu: "100m", memory: "128Mi" } } },
      },
    });

    it("refuses more executors at their limits than kubernetes.executorCapacity holds, naming both", () => {
      const result = validatePlatformConfig({ ...KUBERNETES, ...executors(1000, "1", "1Gi") });
      assert.ok(!result.ok);
      const messages = result.problems
        .filter((p) => p.key === "ml-platform:worker.maxConcurrentRuns")
        .map((p) => p.message);
      assert.ok(
        messages.some((m) => /1000 executors at their cpu limit 1 exceed kubernetes\.executorCapacity\.cpu 4/.test(m)),
        messages.join("\n"),
      );
      assert.ok(
        messages.some((m) => /memory limit 1Gi exceed kubernetes\.executorCapacity\.memory 8Gi/.test(m)),
        messages.join("\n"),
      );
    });

    it("accepts executors that fit, and leaves the docker target alone (its flow runs live inside the workers)", () => {
      assert.ok(validatePlatformConfig({ ...KUBERNETES, ...executors(8, "500m", "1Gi") }).ok);
      assert.ok(
        validatePlatformConfig({
          ...KUBERNETES,
          ...executors(16, "500m", "1Gi"),
          kubernetes: { kubeconfigPath: "/k.yaml", executorCapacity: { cpu: "8", memory: "16Gi" } },
        }).ok,
      );
      assert.ok(validatePlatformConfig({ ...DEV, ...executors(100, "1", "1Gi") }).ok);
    });
  });

  describe("the login on every endpoint", () => {
    const KUBERNETES = { target: "kubernetes", environment: "production", kubernetes: { kubeconfigPath: "/k.yaml" } };

    it("refuses Prefect releases whose events websocket does not check the login (before 3.3.5)", () => {
      const result = validatePlatformConfig({
        ...DEV,
        images: { prefectServer: "prefecthq/prefect:3.3.4-python3.12" },
      });
      assert.ok(!result.ok);
      assert.match(problemFor(result.problems, "ml-platform:images.prefectServer").message, /PrefectHQ\/prefect#17687/);
      for (const prefectServer of ["prefecthq/prefect:3.3.5-python3.12", "prefecthq/prefect:3.6.10-python3.12"])
        assert.ok(validatePlatformConfig({ ...DEV, images: { prefectServer } }).ok, prefectServer);
    });

    it("serves the UI over TLS only for a host, and then tells browsers an https:// address", () => {
      const tls = (kubernetes: Record<string, unknown>, publicUrl: string) =>
        validatePlatformConfig({
          ...KUBERNETES,
          kubernetes: { kubeconfigPath: "/k.yaml", ...kubernetes },
          server: { publicUrl },
        });
      assert.ok(tls({ ingressHost: "ml.example.com", tlsSecretName: "ml-tls" }, "https://ml.example.com").ok);
      const noHost = tls({ tlsSecretName: "ml-tls" }, "https://ml.example.com");
      assert.ok(!noHost.ok);
      assert.match(
        problemFor(noHost.problems, "ml-platform:kubernetes.tlsSecretName").message,
        /needs kubernetes\.ingressHost/,
      );
      const plainUrl = tls({ ingressHost: "ml.example.com", tlsSecretName: "ml-tls" }, "http://ml.example.com");
      assert.ok(!plainUrl.ok);
      assert.match(
        problemFor(plainUrl.problems, "ml-platform:server.publicUrl").message,
        /plain HTTP while the Ingress serves HTTPS/,
      );
    });
  });

  it("refuses limits below what a target runs (6Mi, 10m) and an empty volume, and accepts the least that runs", () => {
    const problems = problemsOf({
      serving: { resources: { requests: { memory: "1" }, limits: { memory: "1" } } },
      worker: { resources: { requests: { cpu: "1m" }, limits: { cpu: "5m" } } },
      volumes: { models: { size: "0" } },
    });
    assert.match(problemFor(problems, "ml-platform:serving.resources.limits.memory").message, /at least 6Mi/);
    assert.match(problemFor(problems, "ml-platform:worker.resources.limits.cpu").message, /at least 10m/);
    assert.match(problemFor(problems, "ml-platform:volumes.models.size").message, /at least 1Mi/);
    const least = validatePlatformConfig({
      ...DEV,
      serving: { resources: { requests: { cpu: "1m", memory: "1Mi" }, limits: { cpu: "10m", memory: "6Mi" } } },
    });
    assert.ok(least.ok, least.ok ? "" : JSON.stringify(least.problems));
  });

  it("refuses ReadWriteOncePod for the volumes several pods mount, and keeps it for the database's own claim", () => {
    const problems = problemsOf({ volumes: { data: { accessMode: "ReadWriteOncePod" } } });
    assert.match(problemFor(problems, "ml-platform:volumes.data.accessMode").message, /several do/);
    assert.ok(validatePlatformConfig({ ...DEV, database: { storage: { accessMode: "ReadWriteOncePod" } } }).ok);
  });

  describe("credentials", () => {
    const secret = new Set(["ml-platform:kubeconfig"]);
    const isSecret = (key: string) => secret.has(key);

    it("accepts a kubeconfig the engine handed over as a secret, and none at all", () => {
      assert.deepStrictEqual(plaintextCredentialProblems({ kubeconfig: "apiVersion: v1" }, isSecret), []);
      assert.deepStrictEqual(
        plaintextCredentialProblems({ kubeconfig: "" }, () => false),
        [],
      );
      assert.deepStrictEqual(
        plaintextCredentialProblems({}, () => false),
        [],
      );
    });

    it("refuses a plain-text kubeconfig, saying how to store it encrypted", () => {
      const [problem] = plaintextCredentialProblems({ kubeconfig: "apiVersion: v1" }, () => false);
      assert.strictEqual(problem?.key, "ml-platform:kubeconfig");
      assert.match(problem.message, /plain-text credential; it must be a secure value: pulumi config set --secret/);
    });

    it("refuses {secure: ..., extra: 1}, which Pulumi hands over as plain text", () => {
      const [problem] = plaintextCredentialProblems({ kubeconfig: '{"secure":"v1:abc","extra":1}' }, () => false);
      assert.match(problem?.message ?? "", /a mapping with keys besides "secure" is not a secure value/);
    });
  });

  it("decodes scalars the way the Pulumi runtime hands them over", () => {
    const raw = decodeProjectConfig({
      "ml-platform:protectStorage": "false",
      "ml-platform:serving": JSON.stringify({ replicas: 3 }),
      "ml-platform:target": "docker",
      "aws:region": "ignored",
    });
    assert.deepStrictEqual(raw, { protectStorage: false, serving: { replicas: 3 }, target: "docker" });
  });

  it("finds the project root from compiled output", () => {
    assert.ok(path.isAbsolute(projectRoot()));
  });
});
