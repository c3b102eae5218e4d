/**
 * Builds Kubernetes target components under Pulumi's mocks (see
 * tests/support/harness.ts), with the Kubernetes target's configs,
 * placements and fixtures.
 */
import { parsePlatformConfig, PlatformConfig } from "../../../config/schema";
import { serviceUrl } from "../../../components/kubernetes/layout";
import { PodPlacement } from "../../../components/kubernetes/placement";
import { describePlatform } from "../../../platform/describe";
import { PlatformSpec } from "../../../platform/model";
import { kubernetesMockState } from "../../../components/kubernetes/offline/mock-state";
import { isSecretEnvelope, RecordingMocks } from "../../../tools/render/mocks";
import { buildInStack, Built, ofKind, Registration } from "../../support/harness";

export type { Built, Registration };
export { dependencyNames, ofKind, registration } from "../../support/harness";

/** Runs `create` in a fresh mocked stack and waits until every registration has happened. */
export function build<T>(
  create: () => T,
  mocks: RecordingMocks = new RecordingMocks({}, kubernetesMockState),
): Promise<Built<T>> {
  return buildInStack("kubernetes-test", create, mocks);
}

/** Like `build`, for code expected to throw: resolves with the error. */
export async function buildError(
  create: () => unknown,
  mocks: RecordingMocks = new RecordingMocks({}, kubernetesMockState),
): Promise<Error> {
  try {
    await build(create, mocks);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the build to fail, and it succeeded");
}

export const K8S = {
  namespace: "kubernetes:core/v1:Namespace",
  resourceQuota: "kubernetes:core/v1:ResourceQuota",
  limitRange: "kubernetes:core/v1:LimitRange",
  configMap: "kubernetes:core/v1:ConfigMap",
  secret: "kubernetes:core/v1:Secret",
  service: "kubernetes:core/v1:Service",
  serviceAccount: "kubernetes:core/v1:ServiceAccount",
  claim: "kubernetes:core/v1:PersistentVolumeClaim",
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  job: "kubernetes:batch/v1:Job",
  cronJob: "kubernetes:batch/v1:CronJob",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
  clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  provider: "pulumi:providers:kubernetes",
} as const;

/** The only registration of a type, failing when there are none or several. */
export function single(built: Built<unknown>, type: string): Registration {
  const found = ofKind(built, type);
  if (found.length !== 1)
    throw new Error(`expected one ${type}, found ${found.map((entry) => entry.name).join(", ") || "none"}`);
  return found[0];
}

/** Whether a registered input value arrived as a secret. */
export const isSecretValue = isSecretEnvelope;

/** Removes secret envelopes, so tests can look at the values themselves. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (isSecretEnvelope(record)) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, unwrapSecrets(item)]));
  }
  return value;
}

/** A kubeconfig as `microk8s config` prints it (the certificate data is made up). */
export const MICROK8S_KUBECONFIG = [
  "apiVersion: v1",
  "clusters:",
  "- cluster:",
  "    certificate-authority-data: TUlDUk9LOFMtVEVTVC1DQQ==",
  "    server: https://10.0.0.5:16443",
  "  name: microk8s-cluster",
  "contexts:",
  "- context:",
  "    cluster: microk8s-cluster",
  "    user: admin",
  "  name: microk8s",
  "current-context: microk8s",
  "kind: Config",
  "preferences: {}",
  "users:",
  "- name: admin",
  "  user:",
  "    client-certificate-data: TUlDUk9LOFMtVEVTVC1DRVJU",
  "    client-key-data: TUlDUk9LOFMtVEVTVC1LRVk=",
  "",
].join("\n");

type Overrides = Record<string, unknown>;

function merge(base: Overrides, overrides: Overrides): Overrides {
  const result: Overrides = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    const bothObjects = [current, value].every(
      (item) => typeof item === "object" && item !== null && !Array.isArray(item),
    );
    result[key] = bothObjects ? merge(current as Overrides, value as Overrides) : value;
  }
  return result;
}

/** A validated kubernetes-target config: the schema's defaults, a kubeconfig, then the overrides. */
export function configWith(overrides: Overrides = {}): PlatformConfig {
  return parsePlatformConfig(
    merge({ target: "kubernetes", environment: "production", kubeconfig: MICROK8S_KUBECONFIG }, overrides),
  );
}

export function specWith(overrides: Overrides = {}, stack = "test"): PlatformSpec {
  return describePlatform(configWith(overrides), stack);
}

/**
 * A placement without the platform around it: secrets, bundles and claims get
 * names derived from the neutral ones; addresses are the target's own.
 */
export function testPlacement(
  options: { spec?: PlatformSpec; namespace?: string; gpuRuntimeClassName?: string } = {},
): PodPlacement {
  const spec = options.spec ?? specWith();
  const namespace = options.namespace ?? "ml-platform";
  return {
    namespace,
    secretName: (secret) => `secret-of-${secret}`,
    bundleConfigMap: (bundle) => `configmap-of-${bundle.name}`,
    claimName: (volume) => `claim-of-${volume}`,
    serviceUrl: (address) => serviceUrl(spec, address, namespace),
    gpuRuntimeClassName: options.gpuRuntimeClassName ?? "nvidia",
  };
}
