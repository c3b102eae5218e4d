/**
 * Turns the shared rules into @pulumi/policy policies. Resource rules run in
 * validateResource on each resource's inputs, before it is created or
 * changed; stack rules run in validateStack over every resource, which
 * `pulumi preview` (and the preview `pulumi up` starts with) performs too.
 */
import type {
  EnforcementLevel,
  Policies,
  Policy,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyContext, PolicySettings, PolicySubject, Rule, RULES, UNKNOWN_VALUE } from "./rules";
import { secretMatcher, secretValuesOfStack } from "./rules/secret-values";

/**
 * The engine's markers for values not known until the update runs (one per
 * value type). @pulumi/policy keeps them internal, so they are listed here.
 */
const UNKNOWN_MARKERS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/** @pulumi/policy wraps props in a proxy that throws on unknown values; this is its escape hatch to the plain object. */
const PROXY_TARGET = "__getSpecialProxyTarget";

function plain(value: unknown): unknown {
  if (typeof value === "string") return UNKNOWN_MARKERS.has(value) ? UNKNOWN_VALUE : value;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, plain(child)]));
  }
  return value;
}

function unproxied(props: Record<string, unknown>): Record<string, unknown> {
  const target = (props as Record<string, unknown>)[PROXY_TARGET];
  const raw = typeof target === "object" && target !== null ? (target as Record<string, unknown>) : props;
  return plain(raw) as Record<string, unknown>;
}

export interface EngineResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts: Pick<PolicyResourceOptions, "protect">;
}

/** A resource as the engine presents it, as a rule sees it. retainOnDelete is not part of the analyzer protocol. */
export function subjectOf(resource: EngineResource): PolicySubject {
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: unproxied(resource.props),
    options: { protect: resource.opts.protect === true },
  };
}

/** What a policy says about itself, the same for resource and stack rules. */
function policyMetadata(rule: Rule, settings: PolicySettings): Policy {
  return {
    name: rule.name,
    description: rule.description,
    remediationSteps: rule.remediation,
    enforcementLevel: rule.enforcement(settings) as EnforcementLevel,
  };
}

function resourcePolicy(rule: Rule, settings: PolicySettings, configSecrets: string[]): ResourceValidationPolicy {
  return {
    ...policyMetadata(rule, settings),
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      const context: PolicyContext = { settings, resources: [], containsSecret: secretMatcher(configSecrets) };
      for (const message of rule.check(subjectOf(args), context)) report(message);
    },
  };
}

function stackPolicy(rule: Rule, settings: PolicySettings, configSecrets: string[]): StackValidationPolicy {
  return {
    ...policyMetadata(rule, settings),
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const resources = args.resources.map(subjectOf);
      const containsSecret = secretMatcher([...configSecrets, ...secretValuesOfStack(resources)]);
      const context: PolicyContext = { settings, resources, containsSecret };
      for (const subject of resources) {
        for (const message of rule.check(subject, context)) report(message, subject.urn);
      }
    },
  };
}

/** Every guardrail as a policy, at the enforcement level this stack's settings give it. */
export function buildPolicies(settings: PolicySettings, configSecrets: string[] = []): Policies {
  return RULES.map((rule) =>
    rule.scope === "resource"
      ? resourcePolicy(rule, settings, configSecrets)
      : stackPolicy(rule, settings, configSecrets),
  );
}
