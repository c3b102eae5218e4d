/**
 * How strict the guardrails are for a stack, read from the stack's own config
 * (the same `ml-platform:*` keys the program reads). The Pulumi engine hands a
 * policy pack the stack's config in PULUMI_CONFIG, decrypted; the offline
 * render hands over the config it rendered.
 */
import { namesASecret } from "./rules/secret-values";
import { PolicySettings } from "./rules/model";

const NAMESPACE = "ml-platform";

function parsed(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function flag(text: string | undefined, field: string): boolean {
  const value = parsed(text);
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[field] === true;
}

/**
 * Settings from a flat `namespace:key -> text` config map. A stack that does
 * not say it is development is judged as production: a guardrail that cannot
 * tell where it runs errs on the strict side.
 */
export function settingsFromConfig(config: Record<string, string>): PolicySettings {
  const environment = config[`${NAMESPACE}:environment`] === "development" ? "development" : "production";
  return {
    environment,
    allowLoadBalancer: flag(config[`${NAMESPACE}:kubernetes`], "allowLoadBalancer"),
    dockerSocketOptIn: flag(config[`${NAMESPACE}:docker`], "workerDockerSocket"),
  };
}

/** Config values that are secrets by their key's name (the kubeconfig, passwords, tokens). */
export function secretConfigValues(config: Record<string, string>): string[] {
  return Object.entries(config)
    .filter(([key, value]) => namesASecret(key.slice(key.indexOf(":") + 1)) && value.trim() !== "")
    .map(([, value]) => value);
}

/** The stack config the engine passes to a policy pack's process. */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const value = parsed(env.PULUMI_CONFIG);
  if (typeof value !== "object" || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, text]) => [key, String(text)]));
}
