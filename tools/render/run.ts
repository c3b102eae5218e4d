/**
 * Runs the Pulumi program under the SDK's mock runtime and captures every
 * resource with its inputs and options. One render per process: the runtime's
 * state is global.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { isSecretEnvelope, MockOptions, RecordingMocks, RegisteredInputs, SELF_MANAGED_ORGANIZATION } from "./mocks";
import { Render, RenderedResource, SECRET_FINGERPRINT_KEY_VARIABLE, SECRET_MASK, SecretValue } from "./model";
import { StackConfigSource } from "./stack-config";
import { withoutStackTraces } from "./stack-traces";
import { targetOfflineRender } from "./target-offline";

interface Captured {
  resource: pulumi.Resource;
  type: string;
  name: string;
  opts: pulumi.ResourceOptions & pulumi.CustomResourceOptions;
}

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** How a secret value is written into the render. */
type SecretWriter = (value: unknown) => unknown;

/**
 * SECRET_MASK; a per-run fingerprint when a comparing tool asked for one (as
 * an argument in-process, in the environment for a child process); or, in a
 * sentinel render, whose secrets are fakes, the value in clear so a test can
 * trace it.
 */
function secretWriter(reveal: boolean, key: string | undefined): SecretWriter {
  if (reveal) {
    const write: SecretWriter = (value) => sanitize(value, write);
    return write;
  }
  const fingerprintKey = key ?? process.env[SECRET_FINGERPRINT_KEY_VARIABLE];
  return fingerprintKey ? (value) => fingerprint(fingerprintKey, value) : () => SECRET_MASK;
}

/** Equal for equal values within one run, meaningless outside it. */
function fingerprint(key: string, value: unknown): string {
  const digest = crypto
    .createHmac("sha256", key)
    .update(JSON.stringify(value ?? null))
    .digest("hex");
  return `[secret:${digest.slice(0, 16)}]`;
}

/** Writes secret envelopes with writeSecret and orders keys, so output is safe and stable. */
function sanitize(value: unknown, writeSecret: SecretWriter): unknown {
  if (Array.isArray(value)) return value.map((item) => sanitize(item, writeSecret));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (isSecretEnvelope(record)) return writeSecret(record.value);
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .filter((key) => record[key] !== undefined)
        .map((key) => [key, sanitize(record[key], writeSecret)]),
    );
  }
  return value;
}

const keepSecret: SecretWriter = (value) => new SecretValue(value);

async function urnOf(resource: pulumi.Resource): Promise<string> {
  return valueOf(resource.urn);
}

async function dependencyUrns(dependsOn: pulumi.ResourceOptions["dependsOn"]): Promise<string[]> {
  if (!dependsOn) return [];
  const resolved = pulumi.Output.isInstance(dependsOn) ? await valueOf(dependsOn as pulumi.Output<unknown>) : dependsOn;
  const list = (Array.isArray(resolved) ? resolved : [resolved]) as unknown[];
  const urns = await Promise.all(
    list.filter((item): item is pulumi.Resource => pulumi.Resource.isInstance(item)).map(urnOf),
  );
  return urns.sort();
}

/**
 * A stack output marked secret is written as its secrets are; a sentinel
 * render masks it all the same, so a sentinel found in the outputs can only
 * be one that reached a plain output.
 */
async function outputValue(value: unknown, writeSecret: SecretWriter, sentinels: boolean): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const output = value as pulumi.Output<unknown>;
    const resolved = await valueOf(output);
    if (await pulumi.isSecret(output)) return sentinels ? SECRET_MASK : writeSecret(resolved);
    return sanitize(resolved, writeSecret);
  }
  return sanitize(value, writeSecret);
}

/**
 * Renders the stack, the program running without stack traces
 * (stack-traces.ts). A RunError is the program's own verdict (a broken config,
 * a refused storage replacement) and is reported without a trace anyway; any
 * other failure is rendered again with traces on, and that run's error, which
 * says where it broke, is the one thrown.
 */
export async function renderInProcess(
  projectDir: string,
  stack: string,
  source: StackConfigSource,
  options: MockOptions = {},
  fingerprintKey?: string,
): Promise<Render> {
  const render = (): Promise<Render> => renderOnce(projectDir, stack, source, options, fingerprintKey);
  try {
    return await withoutStackTraces(render);
  } catch (error) {
    if (pulumi.RunError.isInstance(error as Error)) throw error;
    await render();
    // The program is deterministic under the mocks, so this is not expected: the first failure stands.
    throw error;
  }
}

async function renderOnce(
  projectDir: string,
  stack: string,
  source: StackConfigSource,
  options: MockOptions,
  fingerprintKey: string | undefined,
): Promise<Render> {
  const project = "ml-platform";
  // The stack's target, known before the program runs: its offline part mocks the target's provider.
  const offline = await targetOfflineRender(source.config[`${project}:target`]);
  const mocks = new RecordingMocks(options, (type) => offline?.mockState(type));
  const writeSecret = secretWriter(options.secretSentinels === true, fingerprintKey);
  const placesSecrets = (type: string): boolean => offline?.placesSecrets(type) === true;
  pulumi.runtime.setMocks(mocks, project, stack, false, SELF_MANAGED_ORGANIZATION);
  pulumi.runtime.setAllConfig(offline?.offlineConfig?.(source.config, project) ?? source.config, source.secretKeys);

  const captured: Captured[] = [];
  let programOutputs: Record<string, unknown> = {};
  // Loaded only now: the program must see the mocks and config set above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(projectDir, "index")) as () => Promise<Record<string, unknown>>;

  await runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      captured.push({ resource: args.resource, type: args.type, name: args.name, opts: args.opts });
      return undefined;
    });
    programOutputs = await program();
    return programOutputs;
  });
  await pulumi.runtime.disconnect();

  const stackUrn = `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
  const inputsByKey = new Map<string, RegisteredInputs>();
  for (const registered of mocks.registered) inputsByKey.set(`${registered.type}::${registered.name}`, registered);

  const resources: RenderedResource[] = [];
  for (const { resource, type, name, opts } of captured) {
    const registered = inputsByKey.get(`${type}::${name}`);
    resources.push({
      urn: await urnOf(resource),
      type,
      name,
      parent: opts.parent ? await urnOf(opts.parent) : stackUrn,
      custom: registered?.custom ?? true,
      inputs: sanitize(registered?.inputs ?? {}, writeSecret) as Record<string, unknown>,
      // Only the deployable files place secrets, and only those of the types the target's files read.
      secretAwareInputs: placesSecrets(type)
        ? (sanitize(registered?.inputs ?? {}, keepSecret) as Record<string, unknown>)
        : undefined,
      options: {
        protect: opts.protect === true,
        retainOnDelete: opts.retainOnDelete === true,
        deleteBeforeReplace: opts.deleteBeforeReplace === true,
        ignoreChanges: [...(opts.ignoreChanges ?? [])].sort(),
        dependsOn: await dependencyUrns(opts.dependsOn),
      },
    });
  }
  resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));

  const outputs: Record<string, unknown> = {};
  for (const key of Object.keys(programOutputs).sort())
    outputs[key] = await outputValue(programOutputs[key], writeSecret, options.secretSentinels === true);

  return {
    project,
    stack,
    target: String(outputs.target ?? ""),
    resources,
    outputs,
    generatedSecrets: [...mocks.generatedSecrets],
  };
}
