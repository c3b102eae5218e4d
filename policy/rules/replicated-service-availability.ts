/**
 * A service that runs more than one replica is meant to stay up while one of
 * them is replaced: every replica reports readiness, so traffic only reaches
 * ready ones, and (Kubernetes) a PodDisruptionBudget keeps enough of them
 * through node drains. Docker has no disruption budget; there the dev
 * equivalent is a healthcheck plus a restart policy on every replica.
 */
import { aliasesOf, containerName, DOCKER } from "../../components/docker/resource-views";
import {
  containersOf,
  describeContainer,
  isHpa,
  KUBERNETES,
  objectKind,
  objectName,
  objectNamespace,
  PodTemplate,
  podTemplateOf,
  SCALABLE_KINDS,
  selectorMatches,
} from "../../components/kubernetes/resource-views";
import { PolicyContext, PolicySubject, Rule, stricterInProduction } from "./model";
import { isRecord, listAt, numberAt, recordAt, stringAt, valueAt } from "./values";

/** The HPAs in the stack that scale this object. */
export function autoscalersOf(subject: PolicySubject, resources: PolicySubject[]): PolicySubject[] {
  const kind = SCALABLE_KINDS[subject.type];
  if (!kind) return [];
  return resources.filter(
    (hpa) =>
      isHpa(hpa) &&
      objectNamespace(hpa) === objectNamespace(subject) &&
      stringAt(hpa.props, "spec", "scaleTargetRef", "kind") === kind &&
      stringAt(hpa.props, "spec", "scaleTargetRef", "name") === objectName(subject),
  );
}

/** The fewest replicas the object runs with, or 1 when it is not replicated. */
function minimumReplicas(subject: PolicySubject, hpas: PolicySubject[]): { replicated: boolean; minimum: number } {
  const replicas = numberAt(subject.props, "spec", "replicas") ?? 1;
  if (hpas.length === 0) return { replicated: replicas > 1, minimum: replicas };
  const min = Math.min(...hpas.map((hpa) => numberAt(hpa.props, "spec", "minReplicas") ?? 1));
  const max = Math.max(...hpas.map((hpa) => numberAt(hpa.props, "spec", "maxReplicas") ?? 1));
  return { replicated: max > 1 || replicas > 1, minimum: min };
}

function budgetProblem(pdb: PolicySubject, minimum: number): string | undefined {
  const minAvailable = valueAt(pdb.props, "spec", "minAvailable");
  const maxUnavailable = valueAt(pdb.props, "spec", "maxUnavailable");
  const name = objectName(pdb);
  if (maxUnavailable === 0 || maxUnavailable === "0%")
    return `PodDisruptionBudget "${name}" allows no disruption (maxUnavailable ${String(maxUnavailable)}), so a node drain can never finish`;
  if (minAvailable === "100%" || (typeof minAvailable === "number" && minAvailable >= minimum)) {
    return `PodDisruptionBudget "${name}" requires ${String(minAvailable)} available of ${minimum} replicas, so a node drain can never finish`;
  }
  return undefined;
}

function kubernetesViolations(subject: PolicySubject, template: PodTemplate, context: PolicyContext): string[] {
  const { replicated, minimum } = minimumReplicas(subject, autoscalersOf(subject, context.resources));
  if (!replicated) return [];
  const what = `${objectKind(subject)} "${objectName(subject)}" is replicated`;
  const problems = containersOf(template, ["containers"])
    .filter((container) => !isRecord(valueAt(container.spec, "readinessProbe")))
    .map((container) => `${what} but ${describeContainer(container)} has no readinessProbe`);
  const labels = recordAt(template.metadata, "labels");
  const budgets = context.resources.filter(
    (pdb) =>
      pdb.type === KUBERNETES.podDisruptionBudget &&
      objectNamespace(pdb) === objectNamespace(subject) &&
      selectorMatches(valueAt(pdb.props, "spec", "selector"), labels),
  );
  if (budgets.length === 0)
    problems.push(`${what} but no PodDisruptionBudget in namespace "${objectNamespace(subject)}" selects its pods`);
  for (const pdb of budgets) {
    const problem = budgetProblem(pdb, minimum);
    if (problem) problems.push(`${what} but ${problem}`);
  }
  return problems;
}

const RESTARTING = new Set(["always", "unless-stopped", "on-failure"]);

function dockerViolations(subject: PolicySubject, context: PolicyContext): string[] {
  const shared = aliasesOf(subject).filter(({ network, alias }) =>
    context.resources.some(
      (other) =>
        other.urn !== subject.urn &&
        other.type === DOCKER.container &&
        aliasesOf(other).some((a) => a.network === network && a.alias === alias),
    ),
  );
  if (shared.length === 0) return [];
  const what = `container "${containerName(subject)}" is a replica of "${shared[0].alias}"`;
  const problems: string[] = [];
  const tests = listAt(subject.props, "healthcheck", "tests").map(String);
  if (tests.length === 0 || tests[0] === "NONE")
    problems.push(`${what} but has no healthcheck (the dev stand-in for a readiness probe)`);
  const restart = stringAt(subject.props, "restart") ?? "no";
  if (!RESTARTING.has(restart))
    problems.push(`${what} but its restart policy is "${restart}", so a crashed replica stays down`);
  return problems;
}

export const replicatedServiceAvailability: Rule = {
  name: "replicated-service-availability",
  description:
    "Every replicated service (replicas > 1 or an HPA) has readiness probes and a PodDisruptionBudget that still lets nodes drain; on Docker, a healthcheck and a restart policy on every replica.",
  remediation:
    "Add a readinessProbe to every container and a PodDisruptionBudget (minAvailable below the minimum replicas) selecting the pods; on Docker add a healthcheck and restart: unless-stopped.",
  enforcement: stricterInProduction,
  scope: "stack",
  check: (subject, context) => {
    const template = SCALABLE_KINDS[subject.type] ? podTemplateOf(subject) : undefined;
    if (template) return kubernetesViolations(subject, template, context);
    if (subject.type === DOCKER.container) return dockerViolations(subject, context);
    return [];
  },
};
