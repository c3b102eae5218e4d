/**
 * The prod stack as committed: Pulumi.prod.yaml rendered offline, checked for
 * the properties a MicroK8s operator relies on. Expectations come from the
 * stack file itself, so a change of config is followed, not copied.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { offlineKubeconfig } from "../../components/kubernetes/offline/kubeconfig";
import { isRenderedObject } from "../../components/kubernetes/offline/manifests";
import { KubernetesPlatform } from "../../components/kubernetes/platform";
import { kubernetesSettings } from "../../components/kubernetes/settings";
import { decodeProjectConfig } from "../../config/load";
import { parseCpuMillis, parseMemoryBytes } from "../../config/quantities";
import { PlatformConfig } from "../../config/schema";
import { validatePlatformConfig } from "../../config/validate";
import { describePlatform } from "../../platform/describe";
import { projectRoot } from "../../platform/project-root";
import { SECRET_SENTINEL } from "../../tools/render/mocks";
import { Render, RenderedResource, SECRET_MASK } from "../../tools/render/model";
import { readStackConfig } from "../../tools/render/stack-config";
import { build, K8S } from "../components/kubernetes/harness";
import {
  asList,
  asRecord,
  containersOf,
  podTemplateOf,
  restrictedViolations,
  selects,
} from "../components/kubernetes/pod-rules";
import { assertJobSettings, assertScheduleSettings } from "../components/kubernetes/job-settings";
import { promiseOf } from "../support/mocks";
import { renderStack, runRender } from "../support/render";

type Json = Record<string, unknown>;
type Labels = Record<string, string>;

const NAME = "app.kubernetes.io/name";

/** Pulumi.prod.yaml as the offline render hands it to the program: the kubeconfig file a stand-in. */
function prodConfig(): PlatformConfig {
  const source = readStackConfig(projectRoot(), "prod");
  const result = validatePlatformConfig(decodeProjectConfig(offlineKubeconfig(source.config, "ml-platform")));
  if (!result.ok) throw new Error(`Pulumi.prod.yaml does not validate: ${JSON.stringify(result.problems)}`);
  return result.config;
}

const metadataOf = (object: Json) => asRecord(object.metadata);
const nameOf = (object: Json) => String(metadataOf(object).name);
const namespaceOf = (object: Json) => metadataOf(object).namespace as string | undefined;
const describe_ = (object: Json) => `${String(object.kind)} ${namespaceOf(object) ?? "(cluster)"}/${nameOf(object)}`;

interface PodTemplate {
  owner: string;
  namespace: string;
  labels: Labels;
  spec: Json;
}

/** The executors' pod, as the worker will create it from the template in the ConfigMap. */
function executorTemplate(objects: Json[]): PodTemplate {
  for (const configMap of objects.filter((object) => object.kind === "ConfigMap")) {
    for (const text of Object.values(asRecord(configMap.data))) {
      if (typeof text !== "string" || !text.includes("job_configuration")) continue;
      const manifest = asRecord(asRecord(JSON.parse(text).job_configuration).job_manifest);
      const template = asRecord(asRecord(manifest.spec).template);
      return {
        owner: `the job template in ${describe_(configMap)}`,
        namespace: String(metadataOf(manifest).namespace),
        labels: asRecord(asRecord(template.metadata).labels) as Labels,
        spec: asRecord(template.spec),
      };
    }
  }
  throw new Error("no ConfigMap holds the work pool's base job template");
}

function podTemplates(objects: Json[]): PodTemplate[] {
  const owned = objects.flatMap((object): PodTemplate[] => {
    const template = podTemplateOf(object);
    if (!template) return [];
    return [
      {
        owner: describe_(object),
        namespace: String(namespaceOf(object)),
        labels: asRecord(asRecord(template.metadata).labels) as Labels,
        spec: asRecord(template.spec),
      },
    ];
  });
  return [...owned, executorTemplate(objects)];
}

describe("the prod stack (Pulumi.prod.yaml on MicroK8s)", function () {
  this.timeout(180000);
  let config: PlatformConfig;
  let render: Render & { outDir: string };
  let objects: Json[];
  let resources: RenderedResource[];
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const named = (kind: string, name: string) => {
    const found = ofKind(kind).find((object) => nameOf(object) === name);
    if (!found) throw new Error(`no ${kind} named ${name} in the prod render`);
    return found;
  };

  before(() => {
    config = prodConfig();
    render = renderStack("prod");
    resources = render.resources;
    objects = resources.filter(isRenderedObject).map((resource) => resource.inputs);
  });

  it("renders the kubernetes target from the committed stack file", () => {
    assert.strictEqual(render.target, "kubernetes");
    assert.strictEqual(config.target, "kubernetes");
  });

  describe("provider", () => {
    it("is one explicit provider with the kubeconfig as a secret and the configured context", () => {
      const providers = resources.filter((resource) => resource.type === K8S.provider);
      assert.strictEqual(
        providers.length,
        1,
        `expected one kubernetes provider, found ${providers.map((provider) => provider.urn).join(", ")}`,
      );
      const [provider] = providers;
      assert.strictEqual(provider.inputs.kubeconfig, SECRET_MASK, `${provider.urn}: the kubeconfig is not a secret`);
      assert.strictEqual(provider.inputs.context, config.kubernetes.context, `${provider.urn}: context`);
    });

    it("carries every object of the stack (deployed in-process from the same stack file)", async () => {
      const spec = describePlatform(config, "prod");
      const built = await build(
        () => new KubernetesPlatform("ml-platform", { spec, settings: kubernetesSettings(config) }),
      );
      const provider = built.registrations.find((entry) => entry.type === K8S.provider);
      assert.ok(provider, "no kubernetes provider was registered");
      const urn = await promiseOf(provider.resource.urn);
      const kubernetes = built.registrations.filter((entry) => entry.type.startsWith("kubernetes:"));
      assert.ok(kubernetes.length >= objects.length, "fewer objects in-process than in the render");
      for (const entry of kubernetes) {
        assert.ok(
          entry.provider?.startsWith(`${urn}::`),
          `${entry.type}::${entry.name} uses ${entry.provider ?? "the ambient default provider"}`,
        );
      }
    });
  });

  describe("namespaces and limits", () => {
    it("enforces the restricted Pod Security Standard in both namespaces", () => {
      for (const name of [config.kubernetes.namespace, config.kubernetes.executorNamespace]) {
        const namespace = named("Namespace", name);
        assert.strictEqual(
          asRecord(metadataOf(namespace).labels)["pod-security.kubernetes.io/enforce"],
          "restricted",
          `${describe_(namespace)} does not enforce restricted`,
        );
      }
    });

    it("caps the executor namespace at maxConcurrentRuns pods and their CPU, memory and GPUs, with container defaults", () => {
      const quotas = ofKind("ResourceQuota");
      assert.strictEqual(quotas.length, 1, "expected one ResourceQuota");
      const [quota] = quotas;
      assert.strictEqual(
        namespaceOf(quota),
        config.kubernetes.executorNamespace,
        `${describe_(quota)} is not on the executor namespace`,
      );
      const hard = asRecord(asRecord(quota.spec).hard);
      assert.strictEqual(hard.pods, String(config.worker.maxConcurrentRuns), `${describe_(quota)}: pods`);
      for (const key of ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "requests.nvidia.com/gpu"]) {
        assert.ok(typeof hard[key] === "string", `${describe_(quota)} does not cap ${key}`);
      }
      assert.strictEqual(
        ofKind("LimitRange").filter((range) => namespaceOf(range) === config.kubernetes.executorNamespace).length,
        1,
        "no LimitRange with defaults for executors",
      );
    });

    it("schedules the platform's pods before executors, which never evict anything", () => {
      const classes = ofKind("PriorityClass");
      const platform = classes.find((object) => nameOf(object).endsWith("-platform"));
      const executors = classes.find((object) => nameOf(object).endsWith("-executors"));
      assert.ok(
        platform && executors,
        `expected a platform and an executors PriorityClass, got ${classes.map(nameOf)}`,
      );
      assert.ok(Number(platform.value) > Number(executors.value), "the platform's class is not above the executors'");
      assert.strictEqual(executors.preemptionPolicy, "Never", `${describe_(executors)} may evict other pods`);
      assert.ok(!platform.globalDefault && !executors.globalDefault, "a platform class became the cluster's default");
      for (const template of podTemplates(objects)) {
        const expected: Json = template.namespace === config.kubernetes.executorNamespace ? executors : platform;
        assert.strictEqual(template.spec.priorityClassName, nameOf(expected), `${template.owner}: priorityClassName`);
      }
    });

    it("lets executors at their limits take no more than kubernetes.executorCapacity", () => {
      const hard = asRecord(asRecord(ofKind("ResourceQuota")[0].spec).hard);
      const { cpu, memory } = config.kubernetes.executorCapacity;
      assert.ok(
        parseCpuMillis(String(hard["limits.cpu"]))! <= parseCpuMillis(cpu)!,
        `limits.cpu ${hard["limits.cpu"]}`,
      );
      assert.ok(
        parseMemoryBytes(String(hard["limits.memory"]))! <= parseMemoryBytes(memory)!,
        `limits.memory ${hard["limits.memory"]}`,
      );
    });

    it("sets CPU and memory requests and limits on every container, executors included", () => {
      for (const template of podTemplates(objects)) {
        for (const container of containersOf(template.spec)) {
          const resources = asRecord(container.resources);
          for (const kind of ["requests", "limits"]) {
            for (const resource of ["cpu", "memory"]) {
              assert.ok(
                asRecord(resources[kind])[resource],
                `${template.owner}/${String(container.name)} has no ${kind}.${resource}`,
              );
            }
          }
        }
      }
    });
  });

  describe("pods", () => {
    it("never breaks the restricted profile, executors included", () => {
      const templates = podTemplates(objects);
      assert.ok(templates.length >= 6, `only ${templates.length} pod templates found`);
      for (const template of templates) {
        assert.deepStrictEqual(restrictedViolations(template.spec), [], `${template.owner}`);
      }
    });

    it("mounts an API token only into the worker", () => {
      for (const template of podTemplates(objects)) {
        const expected = template.labels[NAME] === "prefect-worker";
        assert.strictEqual(
          template.spec.automountServiceAccountToken,
          expected,
          `${template.owner}: automountServiceAccountToken`,
        );
      }
    });

    it("selects its pods by stable labels only, and every selector matches its pod template", () => {
      for (const kind of ["Deployment", "StatefulSet"]) {
        for (const object of ofKind(kind)) {
          const selector = asRecord(asRecord(asRecord(object.spec).selector).matchLabels) as Labels;
          const labels = asRecord(asRecord(podTemplateOf(object)?.metadata).labels) as Labels;
          assert.deepStrictEqual(
            Object.keys(selector).sort(),
            ["app.kubernetes.io/instance", NAME],
            `${describe_(object)}: selector keys`,
          );
          assert.ok(selects(selector, labels), `${describe_(object)}: the selector does not match its own pods`);
        }
      }
      const templates = podTemplates(objects);
      for (const object of [...ofKind("Service"), ...ofKind("PodDisruptionBudget")]) {
        const spec = asRecord(object.spec);
        const selector = (
          object.kind === "Service" ? asRecord(spec.selector) : asRecord(asRecord(spec.selector).matchLabels)
        ) as Labels;
        const matched = templates.filter(
          (template) => template.namespace === namespaceOf(object) && selects(selector, template.labels),
        );
        assert.strictEqual(matched.length, 1, `${describe_(object)} selects ${matched.length} workloads' pods`);
      }
    });

    it("probes the server on /api/health (startup, liveness) and /api/ready (readiness), and serving with all three", () => {
      const [server] = asList(asRecord(podTemplateOf(named("Deployment", "prefect-server"))?.spec).containers).map(
        asRecord,
      );
      const path = (probe: string) => asRecord(asRecord(server[probe]).httpGet).path;
      assert.deepStrictEqual(
        [path("startupProbe"), path("livenessProbe"), path("readinessProbe")],
        ["/api/health", "/api/health", "/api/ready"],
        "prefect-server probes",
      );
      for (const kind of ["Deployment", "StatefulSet"]) {
        for (const object of ofKind(kind)) {
          const [main] = asList(asRecord(podTemplateOf(object)?.spec).containers).map(asRecord);
          for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
            assert.ok(main[probe], `${describe_(object)} has no ${probe}`);
          }
        }
      }
    });
  });

  describe("serving", () => {
    it("is scaled by an HPA on its Deployment, which therefore sets no replicas", () => {
      const hpas = ofKind("HorizontalPodAutoscaler");
      assert.strictEqual(hpas.length, 1, "expected one HorizontalPodAutoscaler");
      const [hpa] = hpas;
      const spec = asRecord(hpa.spec);
      const target = asRecord(spec.scaleTargetRef);
      const deployment = named("Deployment", String(target.name));
      assert.deepStrictEqual(
        [target.apiVersion, target.kind, namespaceOf(deployment)],
        ["apps/v1", "Deployment", namespaceOf(hpa)],
        `${describe_(hpa)}: target`,
      );
      assert.strictEqual(
        asRecord(asRecord(podTemplateOf(deployment)?.metadata).labels)[NAME],
        "model-serving",
        `${describe_(hpa)} scales something other than serving`,
      );
      assert.ok(!("replicas" in asRecord(deployment.spec)), `${describe_(deployment)} sets replicas under an HPA`);
      const scaling = config.serving.autoscaling;
      assert.deepStrictEqual(
        [spec.minReplicas, spec.maxReplicas],
        [scaling.minReplicas, scaling.maxReplicas],
        `${describe_(hpa)}: bounds`,
      );
    });

    it("rolls out without losing capacity and keeps a replica through disruptions", () => {
      const deployment = named("Deployment", "model-serving");
      assert.deepStrictEqual(
        asRecord(asRecord(deployment.spec).strategy).rollingUpdate,
        { maxSurge: 1, maxUnavailable: 0 },
        `${describe_(deployment)}: strategy`,
      );
      assert.strictEqual(
        asRecord(named("PodDisruptionBudget", "model-serving").spec).minAvailable,
        1,
        "serving's PodDisruptionBudget",
      );
    });

    it("is published with the server through the configured ingress class and host, on ClusterIP Services", () => {
      const routes = ofKind("Ingress").flatMap((ingress) =>
        asList(asRecord(ingress.spec).rules)
          .map(asRecord)
          .flatMap((rule) =>
            asList(asRecord(rule.http).paths).map(
              (entry) =>
                `${String(asRecord(ingress.spec).ingressClassName)} ${String(rule.host)}${String(asRecord(entry).path)} -> ${String(asRecord(asRecord(asRecord(entry).backend).service).name)}`,
            ),
          ),
      );
      const { ingressClassName, ingressHost } = config.kubernetes;
      assert.deepStrictEqual(routes.sort(), [
        `${ingressClassName} ${ingressHost}/ -> prefect-server`,
        `${ingressClassName} ${ingressHost}/serving -> model-serving`,
      ]);
      for (const service of ofKind("Service")) {
        const type = asRecord(service.spec).type;
        assert.ok(
          type === config.kubernetes.serviceType || asRecord(service.spec).clusterIP === "None",
          `${describe_(service)} is of type ${String(type)}`,
        );
      }
    });
  });

  describe("network policies", () => {
    let templates: PodTemplate[];
    before(() => {
      templates = podTemplates(objects);
    });

    it("select real pods: every policy and every peer it admits matches some pod of its namespace", () => {
      for (const policy of ofKind("NetworkPolicy")) {
        const selector = asRecord(asRecord(asRecord(policy.spec).podSelector).matchLabels) as Labels;
        const matched = templates.filter(
          (template) => template.namespace === namespaceOf(policy) && selects(selector, template.labels),
        );
        assert.ok(matched.length > 0, `${describe_(policy)} selects no pod`);
        for (const rule of asList(asRecord(policy.spec).ingress).map(asRecord)) {
          for (const peer of asList(rule.from).map(asRecord)) {
            const peerNamespace = String(
              asRecord(asRecord(peer.namespaceSelector).matchLabels)["kubernetes.io/metadata.name"],
            );
            if (!peer.podSelector) continue;
            const peerLabels = asRecord(asRecord(peer.podSelector).matchLabels) as Labels;
            assert.ok(
              templates.some(
                (template) => template.namespace === peerNamespace && selects(peerLabels, template.labels),
              ),
              `${describe_(policy)} admits ${JSON.stringify(peerLabels)} in ${peerNamespace}, which matches no pod`,
            );
          }
        }
      }
    });

    it("deny all ingress by default in both namespaces", () => {
      const denials = ofKind("NetworkPolicy").filter(
        (policy) => Object.keys(asRecord(asRecord(policy.spec).podSelector)).length === 0,
      );
      assert.deepStrictEqual(
        denials.map((policy) => namespaceOf(policy)).sort(),
        [config.kubernetes.executorNamespace, config.kubernetes.namespace].sort(),
        "default denials",
      );
      for (const denial of denials)
        assert.strictEqual(asRecord(denial.spec).ingress, undefined, `${describe_(denial)} admits traffic`);
    });

    it("allow exactly ingress controller -> server and serving's API, server -> postgres, worker and executors -> server, executors -> serving's model intake", () => {
      const flows = ofKind("NetworkPolicy").flatMap((policy) => {
        const target = asRecord(asRecord(asRecord(policy.spec).podSelector).matchLabels)[NAME];
        return asList(asRecord(policy.spec).ingress)
          .map(asRecord)
          .flatMap((rule) => {
            const ports = asList(rule.ports)
              .map((port) => String(asRecord(port).port))
              .join(",");
            return asList(rule.from)
              .map(asRecord)
              .map((peer) => {
                const namespace = String(
                  asRecord(asRecord(peer.namespaceSelector).matchLabels)["kubernetes.io/metadata.name"],
                );
                const pods = peer.podSelector ? String(asRecord(asRecord(peer.podSelector).matchLabels)[NAME]) : "*";
                return `${namespace}/${pods} -> ${String(target)}:${ports}`;
              });
          });
      });
      const { namespace, executorNamespace } = config.kubernetes;
      const { port, publishPort } = config.serving;
      assert.deepStrictEqual(
        flows.sort(),
        [
          `ingress/* -> model-serving:${port}`,
          "ingress/* -> prefect-server:4200",
          `${executorNamespace}/prefect-worker-executor -> model-serving:${publishPort}`,
          `${executorNamespace}/prefect-worker-executor -> prefect-server:4200`,
          `${namespace}/prefect-server -> postgres:5432`,
          `${namespace}/prefect-worker -> prefect-server:4200`,
        ].sort(),
      );
    });
  });

  describe("worker", () => {
    it("has exactly Prefect's kubernetes worker rules, in the executor namespace, and nothing cluster-wide", () => {
      assert.strictEqual(
        ofKind("ClusterRole").length + ofKind("ClusterRoleBinding").length,
        0,
        "cluster-wide RBAC exists",
      );
      const roles = ofKind("Role");
      assert.strictEqual(roles.length, 1, "expected one Role");
      const [role] = roles;
      assert.strictEqual(namespaceOf(role), config.kubernetes.executorNamespace, `${describe_(role)} namespace`);
      assert.deepStrictEqual(role.rules, [
        { apiGroups: [""], resources: ["pods", "pods/log", "pods/status", "events"], verbs: ["get", "watch", "list"] },
        {
          apiGroups: ["batch"],
          resources: ["jobs"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
      ]);
      const [binding] = ofKind("RoleBinding");
      assert.deepStrictEqual(
        asList(binding.subjects),
        [{ kind: "ServiceAccount", name: "prefect-worker", namespace: config.kubernetes.namespace }],
        `${describe_(binding)} subjects`,
      );
    });

    it("tells the worker the one namespace to watch, and no cluster UID", () => {
      const [worker] = asList(asRecord(podTemplateOf(named("Deployment", "prefect-worker"))?.spec).containers).map(
        asRecord,
      );
      const env = Object.fromEntries(
        asList(worker.env)
          .map(asRecord)
          .map((variable) => [variable.name, variable.value]),
      );
      assert.ok(!("PREFECT_KUBERNETES_CLUSTER_UID" in env), "a cluster UID prefect-kubernetes no longer reads");
      assert.strictEqual(
        env.PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES,
        config.kubernetes.executorNamespace,
        "observer namespaces",
      );
    });
  });

  describe("training and retraining", () => {
    it("runs training as a Job with the stack's settings, replaced when it failed", () => {
      const jobs = ofKind("Job");
      assert.strictEqual(jobs.length, 1, "expected one Job");
      const [job] = jobs;
      assertJobSettings(asRecord(job.spec), config.training, `${describe_(job)} settings`);
      assert.strictEqual(
        asRecord(metadataOf(job).annotations)["pulumi.com/replaceUnready"],
        "true",
        `${describe_(job)}: a failed run is never retried`,
      );
    });

    it("retrains on the stack's schedule in UTC, one run at a time", () => {
      const [cronJob] = ofKind("CronJob");
      assertScheduleSettings(asRecord(cronJob.spec), config.retraining, `${describe_(cronJob)} settings`);
    });
  });

  describe("storage", () => {
    it("protects and keeps the claims, the database StatefulSet and the namespaces that hold them", () => {
      assert.strictEqual(config.protectStorage, true, "Pulumi.prod.yaml must protect storage");
      const kept = resources.filter(
        (resource) =>
          [K8S.claim, K8S.statefulSet, K8S.namespace].includes(resource.type as typeof K8S.claim) &&
          resource.inputs.kind !== undefined,
      );
      assert.ok(
        kept.filter((resource) => resource.type === K8S.claim).length >= 2,
        "the data and models claims are missing",
      );
      for (const resource of kept) {
        assert.deepStrictEqual(
          [resource.options.protect, resource.options.retainOnDelete],
          [true, true],
          `${resource.urn} is not protected and kept`,
        );
      }
    });
  });

  describe("secrets", () => {
    let sentinel: Render;
    before(() => {
      const run = runRender(["--stack", "prod", "--secret-sentinels"]);
      assert.strictEqual(run.status, 0, `sentinel render of prod failed:\n${run.stderr}`);
      sentinel = JSON.parse(fs.readFileSync(path.join(run.outDir, "prod", "resources.json"), "utf8")) as Render;
    });

    it("keeps every secret value out of env values, ConfigMaps and annotations", () => {
      const sentinelObjects = sentinel.resources.filter(isRenderedObject).map((resource) => resource.inputs);
      const secrets = sentinelObjects.filter((object) => object.kind === "Secret");
      assert.ok(
        JSON.stringify(secrets).includes(SECRET_SENTINEL),
        "the sentinel never reached a Secret, so this test would prove nothing",
      );
      const leaks: string[] = [];
      const check = (where: string, text: unknown) => {
        if (typeof text === "string" && (text.includes(SECRET_SENTINEL) || text.includes(SECRET_MASK)))
          leaks.push(where);
      };
      for (const object of sentinelObjects) {
        for (const [key, value] of Object.entries(asRecord(metadataOf(object).annotations)))
          check(`${describe_(object)} annotation ${key}`, value);
        if (object.kind === "ConfigMap")
          for (const [key, value] of Object.entries(asRecord(object.data)))
            check(`${describe_(object)} data ${key}`, value);
      }
      for (const template of podTemplates(sentinelObjects)) {
        for (const container of containersOf(template.spec)) {
          for (const variable of asList(container.env).map(asRecord))
            check(`${template.owner}/${String(container.name)} env ${String(variable.name)}`, variable.value);
        }
      }
      assert.deepStrictEqual(leaks, [], "secret values outside Secrets");
    });

    it("hands the database credentials to pods only by reference or as a mounted file", () => {
      const templates = podTemplates(objects);
      const server = templates.find((template) => template.labels[NAME] === "prefect-server");
      const url = containersOf(server?.spec)
        .flatMap((container) => asList(container.env).map(asRecord))
        .find((variable) => variable.name === "PREFECT_SERVER_DATABASE_CONNECTION_URL");
      assert.ok(
        asRecord(asRecord(url?.valueFrom).secretKeyRef).name,
        "the server does not take its database URL from the Secret",
      );
      assert.strictEqual(url?.value, undefined, "the server's database URL is a literal value");
      const postgres = templates.find((template) => template.labels[NAME] === "postgres");
      assert.ok(
        asList(postgres?.spec.volumes)
          .map(asRecord)
          .some((volume) => volume.secret !== undefined),
        "postgres does not read its password from a mounted Secret",
      );
    });
  });

  it("reports the UI, serving, work pool and retraining the way a user reaches them", () => {
    const { outputs } = render;
    assert.strictEqual(outputs.prefectUiUrl, config.server.publicUrl.replace(/\/+$/, ""), "prefectUiUrl");
    assert.strictEqual(outputs.servingUrl, `http://${config.kubernetes.ingressHost}/serving`, "servingUrl");
    assert.strictEqual(outputs.workPool, config.worker.workPool, "workPool");
    const sentence = String(outputs.retraining);
    for (const part of [
      'CronJob "retraining"',
      `"${config.kubernetes.namespace}"`,
      `"${config.retraining.schedule}"`,
    ]) {
      assert.ok(sentence.includes(part), `the retraining sentence does not mention ${part}: ${sentence}`);
    }
  });
});
