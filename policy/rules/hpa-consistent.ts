/**
 * A HorizontalPodAutoscaler can only work when its bounds make sense, its
 * target exists, the target leaves the replica count to it, and the target's
 * containers request the resource whose utilisation it scales on.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { alwaysMandatory, PolicyContext, PolicySubject, Rule } from "./model";
import { isSet, listAt, numberAt, stringAt, valueAt } from "./values";

function boundsViolations(hpa: PolicySubject): string[] {
  const min = numberAt(hpa.props, "spec", "minReplicas") ?? 1;
  const max = numberAt(hpa.props, "spec", "maxReplicas");
  const problems: string[] = [];
  if (max === undefined) problems.push("spec.maxReplicas is not set");
  else if (min > max) problems.push(`spec.minReplicas ${min} exceeds spec.maxReplicas ${max}`);
  if (min < 1) problems.push(`spec.minReplicas ${min} is below 1`);
  return problems;
}

/** Resources ("cpu", "memory") the HPA scales on by utilisation, which needs container requests. */
function utilisationResources(hpa: PolicySubject): string[] {
  if (numberAt(hpa.props, "spec", "targetCPUUtilizationPercentage") !== undefined) return ["cpu"];
  return listAt(hpa.props, "spec", "metrics")
    .filter(
      (metric) =>
        stringAt(metric, "type") === "Resource" && stringAt(metric, "resource", "target", "type") === "Utilization",
    )
    .map((metric) => stringAt(metric, "resource", "name") ?? "")
    .filter((name) => name !== "");
}

function targetViolations(hpa: PolicySubject, context: PolicyContext): string[] {
  const kind = stringAt(hpa.props, "spec", "scaleTargetRef", "kind") ?? "";
  const name = stringAt(hpa.props, "spec", "scaleTargetRef", "name") ?? "";
  const namespace = TARGET_VIEWS.object(hpa)?.namespace;
  const target = context.resources.find((candidate) => {
    const object = TARGET_VIEWS.object(candidate);
    return object?.scalable === true && object.kind === kind && object.name === name && object.namespace === namespace;
  });
  if (!target)
    return [`spec.scaleTargetRef names ${kind} "${name}" in namespace "${namespace}", which the stack does not define`];
  const problems: string[] = [];
  if (valueAt(target.props, "spec", "replicas") !== undefined) {
    problems.push(
      `its target ${kind} "${name}" sets spec.replicas, which fights the autoscaler for the replica count (server-side apply field conflict); leave it unset`,
    );
  }
  const containers = (TARGET_VIEWS.podTemplate(target)?.containers ?? []).filter(
    (container) => container.list === "containers",
  );
  for (const resource of utilisationResources(hpa)) {
    for (const container of containers) {
      // Kubernetes takes the limit as the request when only the limit is given.
      const requested =
        isSet(valueAt(container.spec, "resources", "requests", resource)) ||
        isSet(valueAt(container.spec, "resources", "limits", resource));
      if (!requested)
        problems.push(
          `it scales on ${resource} utilisation but ${container.label} of ${kind} "${name}" requests no ${resource}`,
        );
    }
  }
  return problems;
}

export const hpaConsistent: Rule = {
  name: "hpa-consistent",
  description:
    "Every HPA has 1 <= minReplicas <= maxReplicas, targets an object the stack defines, which does not set spec.replicas and requests the resources it is scaled on.",
  remediation:
    "Fix the bounds, point scaleTargetRef at the Deployment/StatefulSet the stack creates, drop its spec.replicas and give its containers resource requests.",
  enforcement: alwaysMandatory,
  scope: "stack",
  check: (subject, context) =>
    TARGET_VIEWS.role(subject) === "autoscaler"
      ? [...boundsViolations(subject), ...targetViolations(subject, context)]
      : [],
};
