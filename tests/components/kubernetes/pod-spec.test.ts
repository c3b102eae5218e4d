import * as assert from "assert";
import { buildPodSpec, ContainerRole, GPU_RESOURCE } from "../../../components/kubernetes/pod-spec";
import { ContainerSpec } from "../../../platform/model";
import { specWith, testPlacement } from "./harness";
import { asList, asRecord, containersOf, restrictedViolations } from "./pod-rules";

type Json = Record<string, unknown>;

function containerOf(spec: ReturnType<typeof specWith>, name: string): ContainerSpec {
  const service = spec.services.find((candidate) => candidate.name === name);
  if (service) return service.container;
  const job = spec.jobs.find((candidate) => candidate.name === name);
  if (job) return job.container;
  const pool = spec.executorPools.find((candidate) => candidate.name === name);
  if (pool) return pool.worker;
  throw new Error(`no workload ${name}`);
}

function podFor(name: string, overrides: Record<string, unknown> = {}, role: Partial<ContainerRole> = {}): Json {
  const spec = specWith(overrides);
  return buildPodSpec({ name, spec: containerOf(spec, name), ...role }, testPlacement()) as unknown as Json;
}

const mainContainer = (pod: Json) => asRecord(asList(pod.containers)[0]);
const envNamed = (container: Json, name: string) =>
  asList(container.env)
    .map(asRecord)
    .find((variable) => variable.name === name);
const volumeNamed = (pod: Json, name: string) =>
  asList(pod.volumes)
    .map(asRecord)
    .find((volume) => volume.name === name);
const mountAt = (container: Json, path: string) =>
  asList(container.volumeMounts)
    .map(asRecord)
    .find((mount) => mount.mountPath === path);

describe("kubernetes target: pod-spec builder", () => {
  for (const name of ["postgres", "prefect-server", "model-serving", "training", "prefect-worker"]) {
    it(`holds the ${name} pod to the restricted profile`, () => {
      const pod = podFor(name);
      assert.deepStrictEqual(restrictedViolations(pod), [], `pod of ${name} breaks the restricted profile`);
      const security = asRecord(pod.securityContext);
      const user = containerOf(specWith(), name).user;
      assert.deepStrictEqual(
        [security.runAsUser, security.runAsGroup, security.fsGroup],
        [user.uid, user.gid, user.gid],
        `pod of ${name}: runAsUser/runAsGroup/fsGroup must come from the spec's user`,
      );
      for (const container of containersOf(pod)) {
        assert.strictEqual(
          asRecord(container.securityContext).readOnlyRootFilesystem,
          true,
          `${name}/${String(container.name)}: root filesystem must be read-only`,
        );
      }
      assert.strictEqual(
        pod.automountServiceAccountToken,
        false,
        `pod of ${name} mounts an API token it does not need`,
      );
      assert.strictEqual(
        pod.enableServiceLinks,
        false,
        `pod of ${name} gets service-link variables that collide with PREFECT_SERVER_*`,
      );
    });
  }

  it("gives init containers the same restricted context as the main one", () => {
    const spec = specWith();
    const pod = buildPodSpec({ name: "prefect-worker", spec: spec.executorPools[0].worker }, testPlacement(), {
      initContainers: [{ name: "setup", spec: { ...spec.executorPools[0].worker, command: ["true"] } }],
      automountServiceAccountToken: true,
      serviceAccountName: "worker",
    }) as unknown as Json;
    assert.deepStrictEqual(restrictedViolations(pod), [], "pod with an init container breaks the restricted profile");
    assert.strictEqual(asList(pod.initContainers).length, 1, "the init container is missing");
    assert.deepStrictEqual(
      [pod.automountServiceAccountToken, pod.serviceAccountName],
      [true, "worker"],
      "the worker's token and account were not set",
    );
  });

  it("refuses a root user rather than building a pod admission would reject", () => {
    const spec = specWith();
    const root = { ...spec.services[1].container, user: { uid: 0, gid: 0 } };
    assert.throws(() => buildPodSpec({ name: "server", spec: root }, testPlacement()), /server.*non-root/);
  });

  it("takes a secret through secretKeyRef, never as a literal value", () => {
    const server = mainContainer(podFor("prefect-server"));
    const variable = envNamed(server, "PREFECT_SERVER_DATABASE_CONNECTION_URL");
    assert.ok(variable, "prefect-server has no database URL variable");
    assert.strictEqual(variable.value, undefined, "prefect-server's database URL is a literal value");
    assert.deepStrictEqual(
      asRecord(variable.valueFrom).secretKeyRef,
      { name: "secret-of-postgres", key: "database-url" },
      "prefect-server reads the wrong secret key",
    );
  });

  it("delivers a secret the image reads from <NAME>_FILE as a file with only that key", () => {
    const pod = podFor("postgres");
    const postgres = mainContainer(pod);
    assert.strictEqual(
      envNamed(postgres, "POSTGRES_PASSWORD"),
      undefined,
      "postgres also gets the password as a variable",
    );
    assert.strictEqual(
      envNamed(postgres, "POSTGRES_PASSWORD_FILE")?.value,
      "/run/secrets/postgres/password",
      "postgres is not pointed at the password file",
    );
    const volume = asRecord(volumeNamed(pod, "secret-postgres")?.secret);
    assert.strictEqual(volume.secretName, "secret-of-postgres", "postgres mounts the wrong Secret");
    assert.deepStrictEqual(
      volume.items,
      [{ key: "password", path: "password" }],
      "postgres sees more of the Secret than its password",
    );
    assert.strictEqual(volume.defaultMode, 0o440, "the password file must be readable by the container's group only");
    assert.strictEqual(mountAt(postgres, "/run/secrets/postgres")?.readOnly, true, "the secret mount is writable");
  });

  it("resolves a service address to the service's fully qualified in-cluster name", () => {
    const worker = mainContainer(podFor("prefect-worker"));
    assert.strictEqual(
      envNamed(worker, "PREFECT_API_URL")?.value,
      // The server's port 4200, by its fully qualified name: the executors' namespace is another one.
      "http://prefect-server.ml-platform.svc.cluster.local:4200/api",
      "prefect-worker's API URL is not the server's in-cluster address",
    );
  });

  it("mounts file bundles read-only from their ConfigMap, and volumes from their claims as the spec says", () => {
    const pod = podFor("training");
    const training = mainContainer(pod);
    assert.deepStrictEqual(
      asRecord(volumeNamed(pod, "bundle-training-code")?.configMap).name,
      "configmap-of-training-code",
      "training's code is not its bundle's ConfigMap",
    );
    assert.strictEqual(mountAt(training, "/opt/ml")?.readOnly, true, "training can write its own code");
    assert.strictEqual(
      asRecord(volumeNamed(pod, "data")?.persistentVolumeClaim).claimName,
      "claim-of-data",
      "training's data is not the data claim",
    );
    assert.strictEqual(mountAt(training, "/data")?.readOnly, true, "training can write the data volume");
    assert.strictEqual(mountAt(training, "/models")?.readOnly, false, "training cannot write its models");
  });

  it("gives every writable path an emptyDir, so the root filesystem can stay read-only", () => {
    const pod = podFor("prefect-server");
    const server = mainContainer(pod);
    for (const path of ["/var/lib/prefect", "/tmp"]) {
      const mount = mountAt(server, path);
      assert.ok(mount, `prefect-server has nothing mounted at ${path}`);
      assert.deepStrictEqual(
        volumeNamed(pod, String(mount.name))?.emptyDir,
        { sizeLimit: "1Gi" },
        `prefect-server's ${path} is not a bounded emptyDir`,
      );
    }
  });

  it("translates probes: HTTP checks on named ports, commands as exec", () => {
    const server = mainContainer(podFor("prefect-server"));
    assert.deepStrictEqual(
      asRecord(server.startupProbe).httpGet,
      { path: "/api/health", port: "http", scheme: "HTTP" },
      "prefect-server's startup probe",
    );
    assert.deepStrictEqual(
      asRecord(server.readinessProbe).httpGet,
      { path: "/api/ready", port: "http", scheme: "HTTP" },
      "prefect-server's readiness probe",
    );
    assert.deepStrictEqual(
      asRecord(server.livenessProbe).httpGet,
      { path: "/api/health", port: "http", scheme: "HTTP" },
      "prefect-server's liveness probe",
    );
    const startup = containerOf(specWith(), "prefect-server").probes.startup;
    assert.deepStrictEqual(
      [asRecord(server.startupProbe).failureThreshold, asRecord(server.startupProbe).periodSeconds],
      [startup?.failureThreshold, startup?.periodSeconds],
      "prefect-server's startup probe lost its thresholds",
    );
    const postgres = mainContainer(podFor("postgres"));
    assert.deepStrictEqual(
      asList(asRecord(asRecord(postgres.readinessProbe).exec).command).slice(0, 1),
      ["pg_isready"],
      "postgres' readiness is not pg_isready",
    );
  });

  it("sets requests and limits, and no GPU when none is asked for", () => {
    const pod = podFor("training");
    const resources = asRecord(mainContainer(pod).resources);
    assert.deepStrictEqual(
      resources.requests,
      { cpu: "1", memory: "1Gi", "ephemeral-storage": "128Mi" },
      "training's requests",
    );
    assert.deepStrictEqual(
      resources.limits,
      { cpu: "1", memory: "1Gi", "ephemeral-storage": "2Gi" },
      "training's limits",
    );
    assert.strictEqual(pod.runtimeClassName, undefined, "training without GPUs gets a GPU runtime class");
  });

  it("bounds the disk every pod may fill: an ephemeral-storage limit and a size limit on each writable path", () => {
    for (const name of ["postgres", "prefect-server", "training"]) {
      const pod = podFor(name);
      const limits = asRecord(asRecord(mainContainer(pod).resources).limits);
      assert.strictEqual(limits["ephemeral-storage"], "2Gi", `${name}: ephemeral-storage limit`);
      const scratch = asList(pod.volumes)
        .map(asRecord)
        .filter((volume) => volume.emptyDir !== undefined);
      assert.ok(scratch.length > 0, `${name} has no writable paths`);
      for (const volume of scratch)
        assert.strictEqual(
          asRecord(volume.emptyDir).sizeLimit,
          "1Gi",
          `${name}: ${String(volume.name)} has no sizeLimit`,
        );
    }
  });

  it("asks for GPUs as an nvidia.com/gpu limit with the configured runtime class", () => {
    const overrides = { training: { gpu: { enabled: true, count: 2 } }, kubernetes: { gpuSupport: true } };
    const spec = specWith(overrides);
    const pod = buildPodSpec(
      { name: "training", spec: spec.jobs[0].container },
      testPlacement({ spec, gpuRuntimeClassName: "nvidia-experimental" }),
    ) as unknown as Json;
    assert.strictEqual(
      asRecord(asRecord(mainContainer(pod).resources).limits)[GPU_RESOURCE],
      "2",
      "training does not ask for its 2 GPUs",
    );
    assert.strictEqual(
      pod.runtimeClassName,
      "nvidia-experimental",
      "training does not run with the configured GPU runtime class",
    );
  });

  it("refuses a container that sets a variable twice or mounts two volumes at one path", () => {
    const server = specWith().services[1].container;
    assert.throws(
      () =>
        buildPodSpec(
          { name: "server", spec: server, extraEnv: [{ name: "PREFECT_HOME", value: "/elsewhere" }] },
          testPlacement(),
        ),
      /server.*PREFECT_HOME twice/,
    );
    assert.throws(
      () => buildPodSpec({ name: "server", spec: { ...server, writablePaths: ["/tmp", "/tmp"] } }, testPlacement()),
      /server.*two volumes at \/tmp/,
    );
  });
});
