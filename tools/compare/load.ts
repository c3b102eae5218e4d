/**
 * A stack's validated config and neutral description, straight from its stack
 * file: the same path the program takes, without the Pulumi runtime.
 */
import { decodeProjectConfig } from "../../config/decode";
import { PlatformConfig } from "../../config/schema";
import { formatProblems, validatePlatformConfig } from "../../config/validate";
import { describePlatform } from "../../platform/describe";
import { PlatformSpec } from "../../platform/model";
import { readStackConfig } from "../render/stack-config";

export interface DescribedStack {
  stack: string;
  config: PlatformConfig;
  spec: PlatformSpec;
}

export class StackDescriptionError extends Error {}

export function describeStack(projectDir: string, stack: string, configFile?: string): DescribedStack {
  const source = readStackConfig(projectDir, stack, configFile);
  const result = validatePlatformConfig(decodeProjectConfig(source.config));
  if (!result.ok) throw new StackDescriptionError(formatProblems(stack, result.problems));
  return { stack, config: result.config, spec: describePlatform(result.config, stack) };
}
