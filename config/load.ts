/**
 * Reads the stack's config from the Pulumi runtime and validates all of it
 * before the program registers anything.
 */
import * as pulumi from "@pulumi/pulumi";
import { PLATFORM_SCALAR_KEYS, PlatformConfig } from "./schema";
import {
  CONFIG_NAMESPACE,
  ConfigProblem,
  defaultProviderSettingProblems,
  formatProblems,
  misspeltNamespaceProblems,
  plaintextCredentialProblems,
  validatePlatformConfig,
} from "./validate";
import { configSecretCheck } from "./secret-keys";

/** A broken stack config: Pulumi prints RunErrors without a stack trace. */
export class ConfigError extends pulumi.RunError {
  constructor(
    readonly stack: string,
    readonly problems: ConfigProblem[],
  ) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
  }
}

function decodeScalar(key: keyof typeof PLATFORM_SCALAR_KEYS, text: string): unknown {
  if (PLATFORM_SCALAR_KEYS[key] === "boolean") {
    if (text === "true") return true;
    if (text === "false") return false;
  }
  return text;
}

function decodeStructured(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The project's keys from a flat `namespace:key -> text` map, decoded. */
export function decodeProjectConfig(flat: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(flat)) {
    const separator = fullKey.indexOf(":");
    if (fullKey.slice(0, separator) !== CONFIG_NAMESPACE) continue;
    const key = fullKey.slice(separator + 1);
    raw[key] =
      key in PLATFORM_SCALAR_KEYS
        ? decodeScalar(key as keyof typeof PLATFORM_SCALAR_KEYS, text)
        : decodeStructured(text);
  }
  return raw;
}

export function loadPlatformConfig(): PlatformConfig {
  const flat = pulumi.runtime.allConfig();
  const raw = decodeProjectConfig(flat);
  const result = validatePlatformConfig(raw);
  const problems = [
    ...misspeltNamespaceProblems(Object.keys(flat)),
    ...defaultProviderSettingProblems(Object.keys(flat)),
    ...(result.ok ? [] : result.problems),
    ...plaintextCredentialProblems(raw, configSecretCheck()),
  ];
  if (!result.ok || problems.length > 0) throw new ConfigError(pulumi.getStack(), problems);
  return result.config;
}
