/**
 * Builds the config a stack's program would see from Pulumi.yaml's declared
 * defaults and the stack file, the way the engine merges them. Encrypted
 * (`secure:`) values cannot be decrypted offline; they become placeholders
 * that stay secret.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { useOfflineKubeconfig } from "./offline-kubeconfig";

export interface StackConfigSource {
  /** namespace:key -> value as the runtime hands it over (strings; objects as JSON). */
  config: Record<string, string>;
  secretKeys: string[];
}

export class StackFileError extends Error {}

type Yaml = Record<string, unknown>;

function isSecure(value: unknown): value is { secure: string } {
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && "secure" in value;
}

function replaceSecure(value: unknown, key: string, found: { secure: boolean }): unknown {
  if (isSecure(value)) {
    found.secure = true;
    return `[secure value of ${key}]`;
  }
  if (Array.isArray(value)) return value.map((item) => replaceSecure(item, key, found));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecure(v, key, found)]));
  }
  return value;
}

function asRuntimeValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Yaml {
  let document: unknown;
  try {
    document = parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new StackFileError(`${file}: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== "object" || Array.isArray(document))
    throw new StackFileError(`${file}: must be a YAML mapping`);
  return document as Yaml;
}

function qualify(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

export function readStackConfig(projectDir: string, stack: string, configFile?: string): StackConfigSource {
  const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml"));
  const project = String(projectFile.name);
  const stackFile = configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new StackFileError(`${stackFile}: no such stack file`);
  const stackConfig = (readYaml(stackFile).config ?? {}) as Yaml;
  if (typeof stackConfig !== "object" || Array.isArray(stackConfig)) {
    throw new StackFileError(`${stackFile}: "config" must be a mapping`);
  }

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declared = (projectFile.config ?? {}) as Record<string, { default?: unknown; value?: unknown }>;
  for (const [key, declaration] of Object.entries(declared)) {
    const preset = declaration?.value ?? declaration?.default;
    if (preset !== undefined) config[qualify(project, key)] = asRuntimeValue(preset);
  }
  for (const [key, value] of Object.entries(stackConfig)) {
    const found = { secure: false };
    const plain = replaceSecure(value, key, found);
    config[qualify(project, key)] = asRuntimeValue(plain);
    if (found.secure) secretKeys.push(qualify(project, key));
  }
  useOfflineKubeconfig(config, qualify(project, "kubernetes"));
  return { config, secretKeys };
}
