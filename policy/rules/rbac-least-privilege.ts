/**
 * RBAC grants name exactly what they allow and stay inside a namespace: no
 * wildcards, no ClusterRoles or ClusterRoleBindings, no binding of a
 * ClusterRole, no grants to everyone, and none of the verbs that let a
 * subject raise its own privileges.
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { alwaysMandatory, PolicySubject, Rule } from "./model";
import { isRecord, listAt, stringAt } from "./values";

const ESCALATING_VERBS = new Set(["escalate", "bind", "impersonate"]);
const EVERYONE = new Set(["system:authenticated", "system:unauthenticated", "system:serviceaccounts"]);

function ruleViolations(subject: PolicySubject): string[] {
  return listAt(subject.props, "rules").flatMap((rule, index) => {
    if (!isRecord(rule)) return [];
    const path = `rules[${index}]`;
    const problems: string[] = [];
    for (const field of ["apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs"]) {
      const values = listAt(rule, field).map(String);
      if (values.some((value) => value === "*" || value.endsWith("/*")))
        problems.push(`${path}.${field} contains a wildcard (${values.join(", ")})`);
    }
    const escalating = listAt(rule, "verbs")
      .map(String)
      .filter((verb) => ESCALATING_VERBS.has(verb));
    if (escalating.length > 0)
      problems.push(`${path}.verbs grants ${escalating.join(", ")}, which let a subject raise its own privileges`);
    if (listAt(rule, "nonResourceURLs").length > 0) problems.push(`${path}.nonResourceURLs grants cluster-level URLs`);
    return problems;
  });
}

function bindingViolations(subject: PolicySubject): string[] {
  const problems: string[] = [];
  if (stringAt(subject.props, "roleRef", "kind") === "ClusterRole") {
    problems.push(
      `roleRef binds the ClusterRole "${stringAt(subject.props, "roleRef", "name") ?? ""}"; bind a namespaced Role that lists exactly what is needed`,
    );
  }
  listAt(subject.props, "subjects").forEach((member, index) => {
    const name = stringAt(member, "name") ?? "";
    if (stringAt(member, "kind") === "Group" && EVERYONE.has(name))
      problems.push(`subjects[${index}] grants to the group ${name}, which is everyone of its kind`);
  });
  return problems;
}

function check(subject: PolicySubject): string[] {
  switch (TARGET_VIEWS.role(subject)) {
    case "cluster-access-role":
      return [
        "a ClusterRole grants cluster-wide; use a Role in the namespace that needs it",
        ...ruleViolations(subject),
      ];
    case "cluster-access-binding":
      return ["a ClusterRoleBinding grants cluster-wide; use a RoleBinding to a Role", ...bindingViolations(subject)];
    case "access-role":
      return ruleViolations(subject);
    case "access-binding":
      return bindingViolations(subject);
    default:
      return [];
  }
}

export const rbacLeastPrivilege: Rule = {
  name: "rbac-least-privilege",
  description:
    "RBAC has no wildcards, no escalating verbs and no cluster-wide grants (ClusterRole, ClusterRoleBinding, RoleBinding to a ClusterRole).",
  remediation:
    "Give each service account a namespaced Role listing its API groups, resources and verbs explicitly, bound with a RoleBinding.",
  enforcement: alwaysMandatory,
  scope: "resource",
  check,
};
