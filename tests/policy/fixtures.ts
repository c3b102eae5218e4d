/**
 * Hand-built resources for the policy tests: compliant by default, so a test
 * breaks exactly one thing and shows which rule notices.
 */
import { PolicyContext, PolicySettings, PolicySubject, Rule } from "../../policy/rules";
import { secretMatcher } from "../../policy/rules/secret-values";
import { RENDER_SECRET_MASK } from "../../tools/policy/evaluate";

export const PRODUCTION: PolicySettings = {
  environment: "production",
  allowLoadBalancer: false,
  dockerSocketOptIn: false,
};
export const DEVELOPMENT: PolicySettings = {
  environment: "development",
  allowLoadBalancer: false,
  dockerSocketOptIn: false,
};

type Props = Record<string, unknown>;

export function subject(
  type: string,
  name: string,
  props: Props,
  options: Partial<PolicySubject["options"]> = {},
): PolicySubject {
  return {
    type,
    name,
    urn: `urn:pulumi:test::ml-platform::${type}::${name}`,
    props,
    options: { protect: false, retainOnDelete: false, ...options },
  };
}

/** A container that meets every rule: pinned image, limits, probes, restricted security context. */
export function container(name = "app", overrides: Props = {}): Props {
  return {
    name,
    image: "python:3.12.11-slim-bookworm",
    ports: [{ name: "http", containerPort: 8080 }],
    env: [{ name: "PYTHONUNBUFFERED", value: "1" }],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    },
    ...overrides,
  };
}

export function podSpec(overrides: Props = {}): Props {
  return {
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [container()],
    volumes: [{ name: "tmp", emptyDir: {} }],
    ...overrides,
  };
}

export const LABELS = { "app.kubernetes.io/name": "model-serving", "app.kubernetes.io/instance": "ml-platform-test" };

export function deployment(name: string, spec: Props = {}, pod: Props = podSpec()): PolicySubject {
  return subject("kubernetes:apps/v1:Deployment", name, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "ml-platform", labels: LABELS },
    spec: { selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: pod }, ...spec },
  });
}

export function pdb(name: string, spec: Props = { minAvailable: 1, selector: { matchLabels: LABELS } }): PolicySubject {
  return subject("kubernetes:policy/v1:PodDisruptionBudget", name, {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace: "ml-platform" },
    spec,
  });
}

export function hpa(name: string, spec: Props): PolicySubject {
  return subject("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name, {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name, namespace: "ml-platform" },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "model-serving" },
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [
        { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } },
      ],
      ...spec,
    },
  });
}

/** A Docker container that meets every rule. */
export function dockerContainer(name: string, overrides: Props = {}): PolicySubject {
  return subject("docker:index/container:Container", name, {
    name,
    image: `sha256:${"a".repeat(64)}`,
    memory: 256,
    cpus: "0.5",
    envs: ["PYTHONUNBUFFERED=1"],
    healthcheck: { tests: ["CMD", "python3", "-c", "print(1)"], interval: "10s" },
    restart: "unless-stopped",
    networksAdvanced: [{ name: "ml-platform-dev", aliases: [name] }],
    labels: [{ label: "app.kubernetes.io/name", value: name }],
    ...overrides,
  });
}

export interface Judged {
  rule: Rule;
  subject: PolicySubject;
  messages: string[];
}

/** Runs one rule on one resource, with the render's secret mask as the known secret. */
export function judge(
  rule: Rule,
  target: PolicySubject,
  settings: PolicySettings = PRODUCTION,
  others: PolicySubject[] = [],
): Judged {
  const context: PolicyContext = {
    settings,
    resources: [target, ...others],
    containsSecret: secretMatcher([], [RENDER_SECRET_MASK]),
  };
  return { rule, subject: target, messages: rule.check(target, context) };
}
