/**
 * Reads the stack's config from the Pulumi runtime and validates all of it
 * before the program registers anything. Decoding a flat config map needs no
 * runtime: it lives in decode.ts, which the tools import instead of this file.
 */
import * as pulumi from "@pulumi/pulumi";
import { decodeProjectConfig } from "./decode";
import { PlatformConfig } from "./schema";
import {
  ConfigProblem,
  defaultProviderSettingProblems,
  formatProblems,
  misspeltNamespaceProblems,
  plaintextCredentialProblems,
  validatePlatformConfig,
} from "./validate";
import { configSecretCheck } from "./secret-keys";

/** For the program and its tests, which read decoding and loading from one place. */
export { decodeProjectConfig };

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
