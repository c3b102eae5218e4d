/**
 * A service that runs more than one replica is meant to stay up while one of
 * them is replaced: every replica reports readiness, so traffic only reaches
 * ready ones, and (Kubernetes) a PodDisruptionBudget keeps enough of them
 * through node drains. Docker has no disruption budget; there the dev
 * equivalent is a healthcheck plus a restart policy on every replica.
 */
import { ContainerView, ObjectView, PodTemplate } from "../../components/resource-views";
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicyContext, PolicySubject, Rule, stricterInProduction } from "./model";
import { isRecord, numberAt, recordAt, stringAt, valueAt } from "./values";

/** The HPAs in the stack that scale this object. */
export function autoscalersOf(subject: PolicySubject, resources: PolicySubject[]): PolicySubject[] {
  const object = TARGET_VIEWS.object(subject);
  if (!object?.scalable) return [];
  return resources.filter(
    (hpa) =>
      TARGET_VIEWS.role(hpa) === "autoscaler" &&
      TARGET_VIEWS.object(hpa)?.namespace === object.namespace &&
      stringAt(hpa.props, "spec", "scaleTargetRef", "kind") === object.kind &&
      stringAt(hpa.props, "spec", "scaleTargetRef", "name") === object.name,
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
  const name = TARGET_VIEWS.object(pdb)?.name ?? pdb.name;
  if (maxUnavailable === 0 || maxUnavailable === "0%")
    return `PodDisruptionBudget "${name}" allows no disruption (maxUnavailable ${String(maxUnavailable)}), so a node drain can never finish`;
  if (minAvailable === "100%" || (typeof minAvailable === "number" && minAvailable >= minimum)) {
    return `PodDisruptionBudget "${name}" requires ${String(minAvailable)} available of ${minimum} replicas, so a node drain can never finish`;
  }
  return undefined;
}

function podViolations(
  subject: PolicySubject,
  object: ObjectView,
  template: PodTemplate,
  context: PolicyContext,
): string[] {
  const { replicated, minimum } = minimumReplicas(subject, autoscalersOf(subject, context.resources));
  if (!replicated) return [];
  const what = `${object.kind} "${object.name}" is replicated`;
  const problems = template.containers
    .filter((container) => container.list === "containers")
    .filter((container) => !isRecord(valueAt(container.spec, "readinessProbe")))
    .map((container) => `${what} but ${container.label} has no readinessProbe`);
  const labels = recordAt(template.metadata, "labels");
  const budgets = context.resources.filter(
    (pdb) =>
      TARGET_VIEWS.role(pdb) === "disruption-budget" &&
      TARGET_VIEWS.object(pdb)?.namespace === object.namespace &&
      TARGET_VIEWS.selectsPods(pdb, labels) === true,
  );
  if (budgets.length === 0)
    problems.push(`${what} but no PodDisruptionBudget in namespace "${object.namespace}" selects its pods`);
  for (const pdb of budgets) {
    const problem = budgetProblem(pdb, minimum);
    if (problem) problems.push(`${what} but ${problem}`);
  }
  return problems;
}

const RESTARTING = new Set(["always", "unless-stopped", "on-failure"]);

/** Containers sharing a network alias are replicas of one service. */
function containerViolations(subject: PolicySubject, container: ContainerView, context: PolicyContext): string[] {
  const shared = container.aliases.filter(({ network, alias }) =>
    context.resources.some(
      (other) =>
        other.urn !== subject.urn &&
        (TARGET_VIEWS.container(other)?.aliases ?? []).some((a) => a.network === network && a.alias === alias),
    ),
  );
  if (shared.length === 0) return [];
  const what = `container "${container.name}" is a replica of "${shared[0].alias}"`;
  const problems: string[] = [];
  if (!container.healthchecked)
    problems.push(`${what} but has no healthcheck (the dev stand-in for a readiness probe)`);
  const restart = container.restartPolicy;
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
    const object = TARGET_VIEWS.object(subject);
    const template = object?.scalable ? TARGET_VIEWS.podTemplate(subject) : undefined;
    if (object && template) return podViolations(subject, object, template, context);
    const container = TARGET_VIEWS.container(subject);
    return container ? containerViolations(subject, container, context) : [];
  },
};
