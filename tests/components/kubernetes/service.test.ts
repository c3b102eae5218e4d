import * as assert from "assert";
import { ENDPOINT_REMOVAL_SECONDS, PlatformService, PlatformServiceArgs } from "../../../components/kubernetes/service";
import { ServiceSpec } from "../../../platform/model";
import { build, Built, dependencyNames, K8S, ofKind, single, specWith, testPlacement } from "./harness";
import { podTemplateOf, restrictedViolations, selects } from "./pod-rules";
import { field } from "../../support/field";

type Json = Record<string, unknown>;

async function deploy(
  name: string,
  overrides: Record<string, unknown> = {},
  args: Partial<PlatformServiceArgs> = {},
): Promise<Built<PlatformService>> {
  const spec = specWith(overrides);
  const service = spec.services.find((candidate) => candidate.name === name) as ServiceSpec;
  return build(
    () =>
      new PlatformService(name, {
        service,
        instance: spec.instance,
        placement: testPlacement({ spec }),
        namespace: "ml-platform",
        storageClass: "microk8s-hostpath",
        ingress: { className: "public", host: "ml.example.test" },
        ...args,
      }),
  );
}

function checkSelection(built: Built<unknown>, workloadType: string): void {
  const workload = single(built, workloadType);
  const template = podTemplateOf({ kind: workloadType.split(":").pop(), spec: workload.inputs.spec }) as Json;
  const labels = field(template, "metadata", "labels") as Record<string, string>;
  const selector = field(workload.inputs.spec, "selector", "matchLabels") as Record<string, string>;
  assert.deepStrictEqual(
    Object.keys(selector).sort(),
    ["app.kubernetes.io/instance", "app.kubernetes.io/name"],
    `${workload.name}: selector must use only the stable labels`,
  );
  assert.ok(selects(selector, labels), `${workload.name}: its selector does not select its own pods`);
  const service = single(built, K8S.service);
  assert.deepStrictEqual(
    field(service.inputs.spec, "selector"),
    selector,
    `${service.name}: selects other pods than ${workload.name}`,
  );
  for (const key of ["name", "instance", "component", "part-of", "managed-by"]) {
    assert.ok(labels[`app.kubernetes.io/${key}`], `${workload.name}: pod template lacks app.kubernetes.io/${key}`);
  }
  assert.deepStrictEqual(
    restrictedViolations(field(template, "spec")),
    [],
    `${workload.name}: pod breaks the restricted profile`,
  );
}

describe("kubernetes target: PlatformService", () => {
  describe("model-serving (autoscaled, public, disruption budget)", () => {
    for (const autoscaling of [
      { minReplicas: 2, maxReplicas: 10, cpuTargetPercent: 70, scaleDownStabilizationSeconds: 300 },
      { minReplicas: 3, maxReplicas: 5, cpuTargetPercent: 55, scaleDownStabilizationSeconds: 0 },
    ]) {
      it(`hands the replica count to an autoscaling/v2 HPA (${autoscaling.minReplicas}-${autoscaling.maxReplicas} at ${autoscaling.cpuTargetPercent}% CPU)`, async () => {
        const built = await deploy("model-serving", { serving: { autoscaling } });
        const deployment = single(built, K8S.deployment);
        assert.strictEqual(
          field(deployment.inputs.spec, "replicas"),
          undefined,
          `${deployment.name} sets replicas, which would fight the HPA on every apply`,
        );
        const hpa = single(built, K8S.hpa);
        assert.deepStrictEqual(
          field(hpa.inputs.spec, "scaleTargetRef"),
          { apiVersion: "apps/v1", kind: "Deployment", name: field(deployment.inputs.metadata, "name") },
          `${hpa.name} does not target ${deployment.name}`,
        );
        assert.deepStrictEqual(
          [field(hpa.inputs.spec, "minReplicas"), field(hpa.inputs.spec, "maxReplicas")],
          [autoscaling.minReplicas, autoscaling.maxReplicas],
          `${hpa.name}: replica bounds`,
        );
        assert.deepStrictEqual(
          field(hpa.inputs.spec, "metrics"),
          [
            {
              type: "Resource",
              resource: {
                name: "cpu",
                target: { type: "Utilization", averageUtilization: autoscaling.cpuTargetPercent },
              },
            },
          ],
          `${hpa.name}: CPU target`,
        );
        assert.strictEqual(
          field(hpa.inputs.spec, "behavior", "scaleDown", "stabilizationWindowSeconds"),
          autoscaling.scaleDownStabilizationSeconds,
          `${hpa.name}: scale-down stabilisation`,
        );
        assert.strictEqual(
          field(hpa.inputs.metadata, "namespace"),
          field(deployment.inputs.metadata, "namespace"),
          `${hpa.name} is in another namespace than its target`,
        );
      });
    }

    it("rolls out one new pod before retiring an old one, and keeps one through disruptions", async () => {
      const built = await deploy("model-serving");
      const deployment = single(built, K8S.deployment);
      assert.deepStrictEqual(
        field(deployment.inputs.spec, "strategy"),
        { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        `${deployment.name}: updates must not take capacity away`,
      );
      const pdb = single(built, K8S.pdb);
      assert.strictEqual(field(pdb.inputs.spec, "minAvailable"), 1, `${pdb.name}: minAvailable`);
      assert.deepStrictEqual(
        field(pdb.inputs.spec, "selector"),
        field(deployment.inputs.spec, "selector"),
        `${pdb.name} guards other pods than ${deployment.name}`,
      );
      checkSelection(built, K8S.deployment);
    });

    it("keeps a replica that is being replaced serving until the endpoints have dropped it", async () => {
      const built = await deploy("model-serving");
      const deployment = single(built, K8S.deployment);
      const pod = field(deployment.inputs.spec, "template", "spec") as Json;
      for (const container of pod.containers as Json[])
        assert.deepStrictEqual(
          container.lifecycle,
          { preStop: { sleep: { seconds: ENDPOINT_REMOVAL_SECONDS } } },
          `${deployment.name}/${String(container.name)} stops before the ingress stops sending to it`,
        );
      // Kubernetes kills a container still running at the end of the grace period, sleep included.
      const grace = (pod.terminationGracePeriodSeconds as number | undefined) ?? 30;
      assert.ok(grace > ENDPOINT_REMOVAL_SECONDS + 10, `grace period ${grace}s leaves no time to drain`);
    });

    it("is reached through the Ingress under /serving, on the Service's named port", async () => {
      const built = await deploy("model-serving");
      const ingress = single(built, K8S.ingress);
      assert.strictEqual(field(ingress.inputs.spec, "ingressClassName"), "public", `${ingress.name}: ingress class`);
      const [rule] = field(ingress.inputs.spec, "rules") as Json[];
      assert.strictEqual(rule.host, "ml.example.test", `${ingress.name}: host`);
      const [path] = field(rule, "http", "paths") as Json[];
      assert.deepStrictEqual(
        [path.path, path.pathType, field(path, "backend", "service")],
        ["/serving", "Prefix", { name: "model-serving", port: { name: "http" } }],
        `${ingress.name}: path`,
      );
      const service = single(built, K8S.service);
      assert.ok(
        (field(service.inputs.spec, "ports") as Json[]).some(
          (port) => port.name === "http" && port.targetPort === "http",
        ),
        `${service.name} has no port named http for the Ingress`,
      );
    });
  });

  describe("prefect-server (fixed replicas, public)", () => {
    it("keeps its fixed replica count and answers on / of the Ingress", async () => {
      const built = await deploy("prefect-server");
      const deployment = single(built, K8S.deployment);
      assert.strictEqual(
        field(deployment.inputs.spec, "replicas"),
        1,
        `${deployment.name}: without an autoscaler the count is the spec's`,
      );
      assert.strictEqual(ofKind(built, K8S.hpa).length, 0, "a service without autoscaling got an HPA");
      assert.strictEqual(ofKind(built, K8S.pdb).length, 0, "a service without minAvailable got a PodDisruptionBudget");
      const [rule] = field(single(built, K8S.ingress).inputs.spec, "rules") as Json[];
      assert.strictEqual(
        field((field(rule, "http", "paths") as Json[])[0], "path"),
        "/",
        "prefect-server must answer at the Ingress root",
      );
      checkSelection(built, K8S.deployment);
    });

    it("publishes a public service through its Ingress only, with kubernetes.serviceType ClusterIP", async () => {
      const built = await deploy("prefect-server", {}, { serviceType: "ClusterIP" });
      const service = single(built, K8S.service);
      assert.strictEqual(field(service.inputs.spec, "type"), "ClusterIP", `${service.name}: type`);
      assert.strictEqual(
        field(service.inputs.metadata, "annotations"),
        undefined,
        `${service.name}: no reason to skip waiting`,
      );
    });

    it("opens a node port for the public endpoint alone (NodePort), never for an internal port", async () => {
      const built = await deploy("model-serving", {}, { serviceType: "NodePort" });
      const services = ofKind(built, K8S.service);
      const byName = Object.fromEntries(services.map((service) => [field(service.inputs.metadata, "name"), service]));
      assert.deepStrictEqual(Object.keys(byName).sort(), ["model-serving", "model-serving-public"]);
      const ports = (name: string) =>
        (field(byName[name].inputs.spec, "ports") as Json[]).map((port) => `${String(port.name)}:${String(port.port)}`);
      assert.deepStrictEqual(
        [field(byName["model-serving"].inputs.spec, "type"), ports("model-serving")],
        ["ClusterIP", ["http:8080", "publish:8081"]],
        "the in-cluster Service",
      );
      assert.deepStrictEqual(
        [field(byName["model-serving-public"].inputs.spec, "type"), ports("model-serving-public")],
        ["NodePort", ["http:8080"]],
        "the model intake would get a node port",
      );
      assert.strictEqual(field(byName["model-serving-public"].inputs.metadata, "annotations"), undefined);
    });

    it("does not wait for a LoadBalancer address that may never come", async () => {
      const built = await deploy("prefect-server", {}, { serviceType: "LoadBalancer" });
      const services = ofKind(built, K8S.service);
      const balancer = services.find((service) => field(service.inputs.spec, "type") === "LoadBalancer");
      assert.ok(balancer, "no LoadBalancer Service");
      assert.deepStrictEqual(
        field(balancer.inputs.metadata, "annotations"),
        { "pulumi.com/skipAwait": "true" },
        `${balancer.name} would hang pulumi up without MetalLB`,
      );
    });

    it("creates the Ingress once its pods are ready, without waiting for an address the controller may never publish", async () => {
      const built = await deploy("prefect-server");
      const ingress = single(built, K8S.ingress);
      assert.deepStrictEqual(
        field(ingress.inputs.metadata, "annotations"),
        { "pulumi.com/skipAwait": "true" },
        `${ingress.name} would hang pulumi up on a controller that leaves its status empty`,
      );
      const waitsFor = await dependencyNames(built, ingress);
      for (const kind of [K8S.deployment, K8S.service])
        assert.ok(waitsFor.includes(single(built, kind).name), `${ingress.name} does not wait for its ${kind}`);
    });

    it("answers any host when no ingress host is set, with the configured ingress class", async () => {
      const built = await deploy("prefect-server", {}, { ingress: { className: "nginx", host: "" } });
      const ingress = single(built, K8S.ingress);
      const [rule] = field(ingress.inputs.spec, "rules") as Json[];
      assert.strictEqual(rule.host, undefined, `${ingress.name}: an empty host must be no host`);
      assert.strictEqual(field(ingress.inputs.spec, "ingressClassName"), "nginx", `${ingress.name}: class from config`);
    });
  });

  describe("postgres (stateful)", () => {
    for (const protectStorage of [true, false]) {
      it(`is a StatefulSet with a headless Service and a claim template${protectStorage ? ", protected and kept" : ""}`, async () => {
        const built = await deploy("postgres", { protectStorage });
        assert.strictEqual(ofKind(built, K8S.deployment).length, 0, "a stateful service became a Deployment");
        const statefulSet = single(built, K8S.statefulSet);
        const service = single(built, K8S.service);
        assert.strictEqual(field(service.inputs.spec, "clusterIP"), "None", `${service.name} is not headless`);
        assert.strictEqual(
          field(statefulSet.inputs.spec, "serviceName"),
          field(service.inputs.metadata, "name"),
          `${statefulSet.name} names another Service`,
        );
        const [template] = field(statefulSet.inputs.spec, "volumeClaimTemplates") as Json[];
        assert.deepStrictEqual(
          [
            field(template, "metadata", "name"),
            field(template, "spec", "storageClassName"),
            field(template, "spec", "resources", "requests", "storage"),
          ],
          ["postgres-data", "microk8s-hostpath", "10Gi"],
          `${statefulSet.name}: claim template`,
        );
        const mounts = field(
          podTemplateOf({ kind: "StatefulSet", spec: statefulSet.inputs.spec }),
          "spec",
          "containers",
        ) as Json[];
        assert.ok(
          (mounts[0].volumeMounts as Json[]).some(
            (mount) => mount.name === "postgres-data" && mount.mountPath === "/var/lib/postgresql/data",
          ),
          `${statefulSet.name}: the claim is not mounted at the data directory`,
        );
        assert.deepStrictEqual(
          field(statefulSet.inputs.spec, "persistentVolumeClaimRetentionPolicy"),
          { whenDeleted: "Retain", whenScaled: "Retain" },
          `${statefulSet.name}: its claims must outlive it`,
        );
        assert.deepStrictEqual(
          [statefulSet.opts.protect === true, statefulSet.opts.retainOnDelete === true],
          [protectStorage, protectStorage],
          `${statefulSet.name}: protect and retainOnDelete must follow protectStorage`,
        );
        checkSelection(built, K8S.statefulSet);
      });
    }

    it("takes the storage class the database names over the default", async () => {
      const built = await deploy("postgres", { database: { storage: { storageClass: "fast-ssd" } } });
      const [template] = field(single(built, K8S.statefulSet).inputs.spec, "volumeClaimTemplates") as Json[];
      assert.strictEqual(
        field(template, "spec", "storageClassName"),
        "fast-ssd",
        "the database's storage class was ignored",
      );
    });
  });
});

describe("kubernetes target: Ingress TLS", () => {
  it("serves HTTPS for the host with the configured certificate Secret, and plain HTTP without one", async () => {
    const tls = await deploy(
      "prefect-server",
      {},
      {
        ingress: { className: "public", host: "ml.example.test", tlsSecretName: "ml-platform-tls" },
      },
    );
    const ingress = single(tls, K8S.ingress);
    assert.deepStrictEqual(
      field(ingress.inputs.spec, "tls"),
      [{ hosts: ["ml.example.test"], secretName: "ml-platform-tls" }],
      `${ingress.name}: spec.tls`,
    );
    const plain = await deploy("prefect-server", {});
    assert.strictEqual(field(single(plain, K8S.ingress).inputs.spec, "tls"), undefined, "TLS without a certificate");
  });
});

describe("kubernetes target: disruption budgets that let a node drain", () => {
  for (const [minReplicas, maxReplicas, expected] of [
    [1, 1, { maxUnavailable: 1 }],
    [1, 5, { maxUnavailable: 1 }],
    [2, 10, { minAvailable: 1 }],
    [3, 10, { minAvailable: 1 }],
  ] as const) {
    it(`gives an HPA of ${minReplicas}..${maxReplicas} a budget of ${JSON.stringify(expected)}`, async () => {
      const built = await deploy("model-serving", { serving: { autoscaling: { minReplicas, maxReplicas } } });
      const pdb = single(built, K8S.pdb);
      const spec = pdb.inputs.spec as Record<string, unknown>;
      assert.deepStrictEqual(
        { minAvailable: spec.minAvailable, maxUnavailable: spec.maxUnavailable },
        Object.assign({ minAvailable: undefined, maxUnavailable: undefined }, expected),
        `${pdb.name}: a budget that keeps every replica of the fewest would block every drain`,
      );
    });
  }
});
