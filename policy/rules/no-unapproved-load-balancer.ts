/**
 * A Service of type LoadBalancer needs an address provider (MetalLB on
 * MicroK8s); without one `pulumi up` waits forever, and with one it exposes
 * the service outside the cluster. Only a stack that says so may have one.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicyContext, PolicySubject, Rule, stricterInProduction } from "./model";
import { stringAt } from "./values";

function check(subject: PolicySubject, context: PolicyContext): string[] {
  if (TARGET_VIEWS.role(subject) !== "network-service" || context.settings.allowLoadBalancer) return [];
  if (stringAt(subject.props, "spec", "type") !== "LoadBalancer") return [];
  return [
    `Service "${TARGET_VIEWS.object(subject)?.name ?? subject.name}" is of type LoadBalancer but ml-platform:kubernetes.allowLoadBalancer is false; use ClusterIP behind the Ingress, or allow it once the cluster has a load-balancer provider`,
  ];
}

export const noUnapprovedLoadBalancer: Rule = {
  name: "no-unapproved-load-balancer",
  description: "No Service is of type LoadBalancer unless ml-platform:kubernetes.allowLoadBalancer is true.",
  remediation:
    "Expose the platform through the Ingress (ClusterIP Services), or set ml-platform:kubernetes.allowLoadBalancer after enabling MetalLB.",
  enforcement: stricterInProduction,
  scope: "resource",
  check,
};
