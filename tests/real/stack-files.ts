/**
 * The stack files the suite deploys: the committed Pulumi.<stack>.yaml with the
 * suite's overlay (stand-in images) merged over it, and variants of that for
 * the checks that change settings or break them. Written under the run's
 * output folder; the committed files are never touched.
 */
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { parsePlatformConfig, PlatformConfig } from "../../config/schema";
import { CONFIG_NAMESPACE } from "../../config/validate";
import { repoRoot } from "./setup/repo-paths";

type ConfigMap = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `over` wins; objects merge key by key, everything else is replaced. */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(base[key], value);
  return merged;
}

/** The platform's settings in a suite config, with the schema's defaults for every key it leaves out. */
export function platformSettings(config: ConfigMap): PlatformConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return parsePlatformConfig(
    Object.fromEntries(
      Object.entries(config)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), value]),
    ),
  );
}

function readConfig(file: string): ConfigMap {
  const document = parse(fs.readFileSync(file, "utf8")) as { config?: ConfigMap } | null;
  if (!document || !isObject(document.config)) throw new Error(`${file} has no config: section`);
  return document.config;
}

/**
 * The committed stack file with the suite's overlays for that stack merged over it, in order:
 * `<stack>.stand-ins.yaml` (the images) first, then the named ones (`<stack>.<name>.yaml`).
 */
export function suiteConfig(stack: string, overlays: string[] = []): ConfigMap {
  const committed = readConfig(path.join(repoRoot(), `Pulumi.${stack}.yaml`));
  return ["stand-ins", ...overlays].reduce(
    (config, overlay) =>
      deepMerge(config, readConfig(path.join(repoRoot(), "tests", "real", "stacks", `${stack}.${overlay}.yaml`))),
    committed as unknown,
  ) as ConfigMap;
}

/** Writes a stack file for `stack` holding `config`, and returns its path. */
export function writeStackFile(dir: string, stack: string, config: ConfigMap, variant: string): string {
  const file = path.join(dir, variant, `Pulumi.${stack}.yaml`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, stringify({ config }));
  return file;
}
