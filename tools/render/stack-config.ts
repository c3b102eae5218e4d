/**
 * Builds the config a stack's program would see from Pulumi.yaml's declared
 * defaults and the stack file, the way the engine merges them. Encrypted
 * (`secure:`) values cannot be decrypted offline; they become placeholders
 * that stay secret.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REQUIRED_KEYS } from "../../config/schema";
import { sentinelFor } from "./sentinel";

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

/** The key whose secure values stand for passwords: their stand-ins must pass its rules (letters and digits). */
const PASSWORD_KEY = "providedSecrets";
/** Longer than any generated secret, so a stand-in passes every length rule. */
const PASSWORD_STAND_IN_LENGTH = 64;

function replaceSecure(value: unknown, key: string, found: { secure: boolean }, passwords: boolean, at = key): unknown {
  if (isSecure(value)) {
    found.secure = true;
    if (!passwords) return `[secure value of ${key}]`;
    if (at === key) {
      throw new StackFileError(
        `${key} is one encrypted value, so an offline render cannot tell which secrets it supplies; ` +
          `set each one on its own: pulumi config set --secret --path '${key}.postgres.password' <value>`,
      );
    }
    return sentinelFor(`secure:${at}`, PASSWORD_STAND_IN_LENGTH);
  }
  if (Array.isArray(value))
    return value.map((item, index) => replaceSecure(item, key, found, passwords, `${at}[${index}]`));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceSecure(v, key, found, passwords, `${at}.${k}`)]),
    );
  }
  return value;
}

function asRuntimeValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): Yaml {
  let document: unknown;
  try {
    // Merge keys (<<: *anchor), as Pulumi's own YAML reader takes them.
    document = parse(fs.readFileSync(file, "utf8"), { merge: true });
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

/** The top-level keys Pulumi reads from a stack file that the platform supports. */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt"];

function misplacedKeyProblem(key: string, project: string): string {
  if (key.toLowerCase() === "config")
    return `${key}: unknown top-level key; did you mean "config"? (keys are case-sensitive)`;
  if (key === "environment") {
    return `environment: a top-level "environment" lists Pulumi ESC environments, which this project does not use; the platform's environment is ${project}:environment under "config:"`;
  }
  const isSetting = key.includes(":") || key === "target";
  const hint = isSetting ? `; settings belong under "config:"` : "";
  return `${key}: unknown top-level key${hint} (allowed: ${STACK_FILE_KEYS.join(", ")})`;
}

/**
 * The stack file's `config:` mapping, or a StackFileError naming everything
 * wrong with the file's shape: a file without a config that states the
 * required keys must not fall back to defaults.
 */
function stackConfigOf(stackFile: string, document: Yaml, project: string): Yaml {
  const required = REQUIRED_KEYS.map((key) => `${project}:${key}`).join(" and ");
  const problems = Object.keys(document)
    .filter((key) => !STACK_FILE_KEYS.includes(key))
    .map((key) => misplacedKeyProblem(key, project));
  const config = document.config;
  if (Object.keys(document).length === 0) {
    problems.push(`the file is empty; it needs a "config:" mapping that states ${required}`);
  } else if (config === undefined) {
    problems.push(`config: missing; a stack file needs a "config:" mapping that states ${required}`);
  } else if (
    config === null ||
    (typeof config === "object" && !Array.isArray(config) && Object.keys(config).length === 0)
  ) {
    problems.push(`config: is empty; it must state ${required}`);
  } else if (typeof config !== "object" || Array.isArray(config)) {
    problems.push(`config: must be a mapping of ${project}:<key> settings`);
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new StackFileError(
      [`${stackFile} is not a usable stack file (${count}):`, ...problems.map((p) => `  - ${p}`)].join("\n"),
    );
  }
  return config as Yaml;
}

export function readStackConfig(projectDir: string, stack: string, configFile?: string): StackConfigSource {
  const projectFile = readYaml(path.join(projectDir, "Pulumi.yaml"));
  const project = String(projectFile.name);
  const stackFile = configFile ?? path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) throw new StackFileError(`${stackFile}: no such stack file`);
  const stackConfig = stackConfigOf(stackFile, readYaml(stackFile), project);

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const declared = (projectFile.config ?? {}) as Record<string, { default?: unknown; value?: unknown }>;
  for (const [key, declaration] of Object.entries(declared)) {
    const preset = declaration?.value ?? declaration?.default;
    if (preset !== undefined) config[qualify(project, key)] = asRuntimeValue(preset);
  }
  for (const [key, value] of Object.entries(stackConfig)) {
    const found = { secure: false };
    // Only this project's key holds passwords; another package's key of the same name is that package's business.
    const passwords = qualify(project, key) === qualify(project, PASSWORD_KEY);
    const plain = replaceSecure(value, key, found, passwords);
    config[qualify(project, key)] = asRuntimeValue(plain);
    if (found.secure) secretKeys.push(qualify(project, key));
  }
  return { config, secretKeys };
}
