/**
 * Turns raw stack config into a typed PlatformConfig, or into the complete list
 * of problems, each naming its key path and the rule it breaks.
 */
import { z } from "zod";
import { TARGET_CONFIG_RULES, TARGETS } from "../components/registry";
import { checkPinned, prefectReleaseProblem } from "./images";
import { parseCpuMillis, parseMemoryBytes } from "./quantities";
import { CONFIG_NAMESPACE } from "./namespace";
import { AddProblem, CrossKeyRule, MovedKey } from "./rule";
import {
  ParsedPlatformConfig,
  PlatformConfig,
  platformConfigSchema,
  ResourcesConfig,
  withTargetDefaults,
} from "./schema";

export { CONFIG_NAMESPACE };

export interface ConfigProblem {
  /** Full key path, e.g. "ml-platform:serving.autoscaling.minReplicas". */
  key: string;
  message: string;
}

export type ValidationResult = { ok: true; config: PlatformConfig } | { ok: false; problems: ConfigProblem[] };

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  const [top, ...rest] = path.map(String);
  const dotted = rest.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : `${acc}.${part}`), top ?? "");
  return `${CONFIG_NAMESPACE}:${dotted}`;
}

function schemaAt(path: ReadonlyArray<PropertyKey>): z.ZodType | undefined {
  let schema: z.ZodType | undefined = platformConfigSchema;
  for (const part of path) {
    const object: z.ZodType = unwrap(schema);
    if (!(object instanceof z.ZodObject)) return undefined;
    schema = (object.shape as Record<string, z.ZodType>)[String(part)];
    if (!schema) return undefined;
  }
  return schema;
}

function allowedKeysAt(path: ReadonlyArray<PropertyKey>): string[] {
  const schema = schemaAt(path);
  const object = schema && unwrap(schema);
  return object instanceof z.ZodObject ? Object.keys(object.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const inner = (current as unknown as { unwrap?: () => z.ZodType }).unwrap;
    if (typeof inner !== "function" || current instanceof z.ZodObject) return current;
    current = inner.call(current);
  }
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length];
}

function unknownKeyMessage(key: string, allowed: string[]): string {
  const closest = allowed
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((x, y) => x.distance - y.distance)[0];
  const hint = closest && closest.distance <= 3 ? `did you mean "${closest.candidate}"? ` : "";
  return `unknown key; ${hint}allowed here: ${allowed.join(", ")}`;
}

/** Keys that moved into a target's section, from every target in the registry. */
const MOVED_KEYS: MovedKey[] = Object.values(TARGETS).flatMap((target) => target.movedKeys ?? []);

/** Where an unknown key went, when it is one that moved. */
function movedKeyMessage(path: ReadonlyArray<PropertyKey>): string | undefined {
  const dotted = path.map(String).join(".");
  const moved = MOVED_KEYS.find((key) => key.from.join(".") === dotted);
  return moved && `has moved to ${keyPath(moved.to)}; set it there instead`;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = raw;
  for (const part of path) value = isRecord(value) ? value[String(part)] : undefined;
  return value;
}

function schemaProblems(error: z.ZodError, raw: Record<string, unknown>): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    if ((issue.code === "invalid_value" || issue.code === "invalid_type") && valueAt(raw, issue.path) === undefined) {
      const choices = "values" in issue ? `: one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` : "";
      return [{ key: keyPath(issue.path), message: `is missing; every stack file must state it${choices}` }];
    }
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeysAt(issue.path);
      return issue.keys.map((key) => ({
        key: keyPath([...issue.path, key]),
        message: movedKeyMessage([...issue.path, key]) ?? unknownKeyMessage(key, allowed),
      }));
    }
    if (issue.code === "invalid_type") {
      const expected =
        issue.expected === "object"
          ? "an object (a nested YAML mapping)"
          : issue.expected === "int"
            ? "a whole number"
            : `a ${issue.expected}`;
      return [{ key: keyPath(issue.path), message: `must be ${expected}` }];
    }
    if (issue.code === "invalid_value" && "values" in issue) {
      return [
        {
          key: keyPath(issue.path),
          message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        },
      ];
    }
    return [{ key: keyPath(issue.path), message: issue.message }];
  });
}

function checkRequestsWithinLimits(path: string[], { requests, limits }: ResourcesConfig, add: AddProblem): void {
  if ((parseCpuMillis(requests.cpu) ?? 0) > (parseCpuMillis(limits.cpu) ?? 0)) {
    add([...path, "requests", "cpu"], `request ${requests.cpu} exceeds the limit ${limits.cpu}`);
  }
  if ((parseMemoryBytes(requests.memory) ?? 0) > (parseMemoryBytes(limits.memory) ?? 0)) {
    add([...path, "requests", "memory"], `request ${requests.memory} exceeds the limit ${limits.memory}`);
  }
}

const RESOURCE_BLOCKS: Array<[string[], (config: ParsedPlatformConfig) => ResourcesConfig]> = [
  [["database", "resources"], (config) => config.database.resources],
  [["server", "resources"], (config) => config.server.resources],
  [["worker", "resources"], (config) => config.worker.resources],
  [["worker", "executor", "resources"], (config) => config.worker.executor.resources],
  [["serving", "resources"], (config) => config.serving.resources],
  [["training", "resources"], (config) => config.training.resources],
];

/** Rules that relate several keys, whatever the target; each target adds its own (components/registry.ts). */
const SHARED_RULES: CrossKeyRule[] = [
  {
    needs: [
      ["serving", "port"],
      ["serving", "publishPort"],
    ],
    check: ({ serving }, add) => {
      if (serving.port === serving.publishPort) {
        add(
          ["serving", "publishPort"],
          `${serving.publishPort} is serving.port too; the model intake needs a port of its own`,
        );
      }
    },
  },
  {
    needs: [["serving", "autoscaling"]],
    check: ({ serving: { autoscaling } }, add) => {
      if (autoscaling.minReplicas > autoscaling.maxReplicas) {
        add(
          ["serving", "autoscaling", "minReplicas"],
          `${autoscaling.minReplicas} exceeds maxReplicas ${autoscaling.maxReplicas}`,
        );
      }
    },
  },
  {
    needs: [
      ["training", "parallelism"],
      ["training", "completions"],
    ],
    check: ({ training }, add) => {
      if (training.parallelism > training.completions) {
        add(
          ["training", "parallelism"],
          `${training.parallelism} exceeds completions ${training.completions}; the extra pods would idle`,
        );
      }
    },
  },
  {
    needs: [
      ["worker", "replicas"],
      ["worker", "maxConcurrentRuns"],
    ],
    check: ({ worker }, add) => {
      if (worker.replicas > worker.maxConcurrentRuns) {
        add(
          ["worker", "replicas"],
          `${worker.replicas} workers exceed maxConcurrentRuns ${worker.maxConcurrentRuns}; each worker needs room for one run`,
        );
      } else if (worker.maxConcurrentRuns % worker.replicas !== 0) {
        const each = Math.floor(worker.maxConcurrentRuns / worker.replicas);
        add(
          ["worker", "maxConcurrentRuns"],
          `${worker.maxConcurrentRuns} is not a multiple of worker.replicas ${worker.replicas}: each worker takes --limit ${each}, ` +
            `so only ${each * worker.replicas} runs could execute at once; use ${each * worker.replicas} or ${(each + 1) * worker.replicas}`,
        );
      }
    },
  },
  ...RESOURCE_BLOCKS.map(([path, block]): CrossKeyRule => ({
    needs: [path],
    check: (config, add) => checkRequestsWithinLimits(path, block(config), add),
  })),
  {
    needs: [["volumes"]],
    check: ({ volumes }, add) => {
      // data and models are mounted by several pods at once (training, serving replicas, workers, flow runs).
      for (const volume of ["data", "models"] as const) {
        if (volumes[volume].accessMode === "ReadWriteOncePod") {
          add(
            ["volumes", volume, "accessMode"],
            "ReadWriteOncePod lets one pod mount the volume, but several do (training, serving replicas, flow runs): use ReadWriteOnce on one node or ReadWriteMany",
          );
        }
      }
    },
  },
  {
    needs: [["environment"], ["images"]],
    check: ({ environment, images }, add) => {
      for (const [key, image] of Object.entries(images)) checkPinned(environment, ["images", key], image, add);
    },
  },
  {
    needs: [["images"]],
    check: ({ images }, add) => {
      for (const key of ["prefectServer", "prefectWorker"] as const) {
        const image = images[key];
        const problem = image === undefined ? undefined : prefectReleaseProblem(image);
        if (problem) add(["images", key], `image "${image}" ${problem}`);
      }
    },
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Drops keys the schema does not know, so a typo elsewhere does not hide a relation problem. */
function pruneUnknown(value: unknown, path: string[]): unknown {
  if (!isRecord(value)) return value;
  const allowed = new Set(allowedKeysAt(path));
  if (allowed.size === 0) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => allowed.has(key))
      .map(([key, child]) => [key, pruneUnknown(child, [...path, key])]),
  );
}

/** The parsed value at each path that is well-formed on its own, assembled into one object. */
function wellFormedParts(raw: Record<string, unknown>, paths: string[][]): Record<string, unknown> | undefined {
  const assembled: Record<string, unknown> = {};
  for (const path of paths) {
    let value: unknown = raw;
    for (const part of path) value = isRecord(value) ? value[part] : undefined;
    const result = schemaAt(path)?.safeParse(pruneUnknown(value, path));
    if (!result?.success) return undefined;
    let node = assembled;
    path.slice(0, -1).forEach((part) => {
      node[part] = isRecord(node[part]) ? node[part] : {};
      node = node[part] as Record<string, unknown>;
    });
    node[path[path.length - 1]] = result.data;
  }
  return assembled;
}

function crossKeyProblems(raw: Record<string, unknown>, parsed?: ParsedPlatformConfig): ConfigProblem[] {
  return [...SHARED_RULES, ...TARGET_CONFIG_RULES].flatMap((rule) => {
    const config = parsed ?? (wellFormedParts(raw, rule.needs) as ParsedPlatformConfig | undefined);
    if (!config) return [];
    const problems: ConfigProblem[] = [];
    rule.check(config, (path, message) => problems.push({ key: keyPath(path), message }));
    return problems;
  });
}

export function validatePlatformConfig(raw: Record<string, unknown>): ValidationResult {
  const parsed = platformConfigSchema.safeParse(raw);
  if (parsed.success) {
    const problems = crossKeyProblems(raw, parsed.data);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, config: withTargetDefaults(parsed.data) };
  }
  // Relations between well-formed parts are checked too, so one run reports everything.
  return { ok: false, problems: [...schemaProblems(parsed.error, raw), ...crossKeyProblems(raw)] };
}

/** Keys that hold credentials: the stack file may carry them only as `secure:` values. */
export const CREDENTIAL_KEYS = ["kubeconfig", "providedSecrets"] as const;

/** Whether a value carries any content: the declared default `{}` (or mappings of nothing) carries none. */
function holdsAnything(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return false;
  if (isRecord(value)) return Object.values(value).some(holdsAnything);
  return true;
}

/** How each credential is stored as a secure value. */
const SECURE_SETTING: Record<(typeof CREDENTIAL_KEYS)[number], (fullKey: string) => string> = {
  kubeconfig: (fullKey) => `pulumi config set --secret ${fullKey} < <file>`,
  providedSecrets: (fullKey) => `pulumi config set --secret --path '${fullKey}.<secret>.<key>' <value>, one per value`,
};

/**
 * Credentials stored in plain text: a kubeconfig in the stack file is the
 * cluster's admin login, readable by everyone who reads the repository. The
 * engine says which keys were `secure:` values; a mapping with more keys than
 * `secure` is not one and arrives as plain text.
 */
export function plaintextCredentialProblems(
  raw: Record<string, unknown>,
  isSecret: (fullKey: string) => boolean,
): ConfigProblem[] {
  return CREDENTIAL_KEYS.flatMap((key) => {
    const value = raw[key];
    const fullKey = `${CONFIG_NAMESPACE}:${key}`;
    if (!holdsAnything(value) || isSecret(fullKey)) return [];
    const notSecure =
      isRecord(value) || String(value).trimStart().startsWith("{")
        ? ` (a mapping with keys besides "secure" is not a secure value)`
        : "";
    return [
      {
        key: fullKey,
        message: `holds a plain-text credential${notSecure}; it must be a secure value: ${SECURE_SETTING[key](fullKey)}`,
      },
    ];
  });
}

/**
 * Keys whose namespace is a near miss of ml-platform (ml-platfrom:target):
 * Pulumi would pass them on as another package's config and the setting
 * would silently not apply.
 */
export function misspeltNamespaceProblems(keys: string[]): ConfigProblem[] {
  return keys.flatMap((fullKey) => {
    const separator = fullKey.indexOf(":");
    const namespace = fullKey.slice(0, separator);
    if (separator < 0 || namespace === CONFIG_NAMESPACE || editDistance(namespace.toLowerCase(), CONFIG_NAMESPACE) > 3)
      return [];
    return [
      {
        key: fullKey,
        message: `unknown namespace "${namespace}"; did you mean "${CONFIG_NAMESPACE}:${fullKey.slice(separator + 1)}"?`,
      },
    ];
  });
}

/** Settings of Pulumi's default providers, which the platform never uses: each names where the platform reads it. */
const DEFAULT_PROVIDER_NAMESPACES: Record<string, string> = {
  docker: `${CONFIG_NAMESPACE}:docker.host`,
  kubernetes: `${CONFIG_NAMESPACE}:kubeconfig (--secret) or ${CONFIG_NAMESPACE}:kubernetes.kubeconfigPath and .context`,
};

/**
 * `docker:host`, `kubernetes:kubeconfig` and the like configure Pulumi's
 * default providers. The platform deploys through explicit providers built
 * from its own keys, so such a setting would look as if it moved the
 * platform while it changes nothing: refused, naming the key to use.
 */
export function defaultProviderSettingProblems(keys: string[]): ConfigProblem[] {
  return keys.flatMap((fullKey) => {
    const namespace = fullKey.slice(0, Math.max(0, fullKey.indexOf(":")));
    const instead = DEFAULT_PROVIDER_NAMESPACES[namespace];
    if (!instead) return [];
    return [
      {
        key: fullKey,
        message: `configures Pulumi's default ${namespace} provider, which the platform never uses (it deploys through its own explicit provider); set ${instead} instead`,
      },
    ];
  });
}

export function formatProblems(stack: string, problems: ConfigProblem[]): string {
  const lines = problems.map((problem) => `  - ${problem.key}: ${problem.message}`);
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return [`Stack "${stack}" has an invalid configuration (${count}); nothing was deployed:`, ...lines].join("\n");
}
