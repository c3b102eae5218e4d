/**
 * Runs the policy pack's rules offline against a render: the same rules the
 * engine runs on `pulumi preview --policy-pack policy`, fed with the render's
 * resources and the stack config the render used.
 */
import { EnforcementLevel, PolicyContext, PolicySettings, PolicySubject, RULES } from "../../policy/rules";
import { secretMatcher } from "../../policy/rules/secret-values";
import { RenderedResource } from "../render/model";

export interface Finding {
  policy: string;
  level: EnforcementLevel;
  urn: string;
  message: string;
}

/** How the render writes a secret: "[secret]", or "[secret:<fingerprint>]" when a comparing tool asked for one. */
export const RENDER_SECRET_MASK = /\[secret(?::[0-9a-f]+)?\]/;

export function subjectOf(resource: RenderedResource): PolicySubject {
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: resource.inputs,
    options: { protect: resource.options.protect, retainOnDelete: resource.options.retainOnDelete },
  };
}

export interface EvaluationInput {
  resources: RenderedResource[];
  settings: PolicySettings;
  /** Patterns of secret values as this render writes them; defaults to the render's mask. */
  secretPatterns?: RegExp[];
}

export function evaluatePolicies({
  resources,
  settings,
  secretPatterns = [RENDER_SECRET_MASK],
}: EvaluationInput): Finding[] {
  const subjects = resources.map(subjectOf);
  const context: PolicyContext = { settings, resources: subjects, containsSecret: secretMatcher([], secretPatterns) };
  return RULES.flatMap((rule) => {
    const level = rule.enforcement(settings);
    return subjects.flatMap((subject) =>
      rule.check(subject, context).map((message) => ({ policy: rule.name, level, urn: subject.urn, message })),
    );
  });
}

export function mandatory(findings: Finding[]): Finding[] {
  return findings.filter((finding) => finding.level === "mandatory");
}
