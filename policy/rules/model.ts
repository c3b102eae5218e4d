/**
 * The shape every guardrail rule is written against. A rule never sees
 * @pulumi/policy or the offline render directly: both adapt what they have into
 * a PolicySubject and a PolicyContext, so each rule is written once.
 */

export type Environment = "development" | "production";
export type EnforcementLevel = "mandatory" | "advisory";

/** What the stack's config says about how strict the rules are. */
export interface PolicySettings {
  /** ml-platform:environment; production turns on the stricter levels. */
  environment: Environment;
  /** ml-platform:kubernetes.allowLoadBalancer. */
  allowLoadBalancer: boolean;
  /** ml-platform:docker.workerDockerSocket: the explicit dev opt-in to the host's Docker socket. */
  dockerSocketOptIn: boolean;
}

/** One resource as a rule sees it: plain data, whatever produced it. */
export interface PolicySubject {
  /** Pulumi type token; the rules leave those of the targets' providers to the targets' views (components/target-views.ts). */
  type: string;
  name: string;
  urn: string;
  /** The resource's properties as plain JSON; values unknown during preview are UNKNOWN_VALUE. */
  props: Record<string, unknown>;
  options: {
    protect: boolean;
    /** Undefined where the caller cannot see it (the engine does not send it to policy packs). */
    retainOnDelete?: boolean;
  };
}

export interface PolicyContext {
  settings: PolicySettings;
  /** Every resource of the stack; empty when a resource is judged on its own. */
  resources: PolicySubject[];
  /**
   * Whether a text holds a value known to be secret (the render's mask,
   * generated passwords read from the stack, secret config values). A property
   * holding one outside a Secret object or a secret file is a leak.
   */
  containsSecret: (text: string) => boolean;
}

export interface Rule {
  /** Stable policy name, as shown by `pulumi preview` and the offline render. */
  name: string;
  description: string;
  /** What to change when the rule fires. */
  remediation: string;
  /** How hard the rule enforces for this stack. */
  enforcement: (settings: PolicySettings) => EnforcementLevel;
  /**
   * "resource" rules judge one resource from its own properties; "stack" rules
   * also need the other resources (cross-references, generated secret values).
   */
  scope: "resource" | "stack";
  /** One message per violation; an empty list when the resource complies. */
  check: (subject: PolicySubject, context: PolicyContext) => string[];
}

/** Marks a value that the engine cannot know during a preview. */
export const UNKNOWN_VALUE = "[unknown during preview]";

/** Production enforces every rule; development only advises on those it names. */
export function stricterInProduction(settings: PolicySettings): EnforcementLevel {
  return settings.environment === "production" ? "mandatory" : "advisory";
}

export function alwaysMandatory(): EnforcementLevel {
  return "mandatory";
}
