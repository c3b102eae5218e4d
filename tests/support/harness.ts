/**
 * Builds target components under Pulumi's mocks and records every
 * registration with its inputs, the provider it resolved to, and its resource
 * options (protect, retainOnDelete, dependsOn, customTimeouts), which the
 * mocks alone never see: a stack transformation inside a root stack does.
 * The Docker and Kubernetes harnesses build on this, each with its own
 * configs and fixtures.
 */
import * as pulumi from "@pulumi/pulumi";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { RecordingMocks, SELF_MANAGED_ORGANIZATION } from "../../tools/render/mocks";
import { withoutStackTraces } from "../../tools/render/stack-traces";
import { promiseOf, settled } from "./mocks";

export interface Registration {
  type: string;
  name: string;
  resource: pulumi.Resource;
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
  /** The inputs the mock provider received (secrets still in their envelopes). */
  inputs: Record<string, unknown>;
  /** The provider reference ("<urn>::<id>") the SDK sent for an explicit provider; absent for the default one. */
  provider?: string;
}

export interface Built<T> {
  result: T;
  mocks: RecordingMocks;
  registrations: Registration[];
}

let stackCounter = 0;

/**
 * Runs `create` in a fresh mocked stack (named `<stackPrefix>-<n>`) and waits
 * until every registration has happened.
 */
export async function buildInStack<T>(stackPrefix: string, create: () => T, mocks: RecordingMocks): Promise<Built<T>> {
  stackCounter += 1;
  pulumi.runtime.setMocks(mocks, "ml-platform", `${stackPrefix}-${stackCounter}`, false, SELF_MANAGED_ORGANIZATION);
  pulumi.runtime.setAllConfig({}, []);
  const captured: Omit<Registration, "inputs">[] = [];
  let result: T | undefined;
  // As the offline render runs the program (tools/render/stack-traces.ts): the SDK's per-promise traces cost more
  // than the components themselves. An error from `create` still carries its message.
  await withoutStackTraces(async () => {
    await runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        captured.push({ type: args.type, name: args.name, resource: args.resource, opts: args.opts });
        return undefined;
      });
      result = create();
      return {};
    });
    await settled();
  });
  const registrations = captured.map((registration) => {
    const registered = mocks.registered.find(
      (entry) => entry.type === registration.type && entry.name === registration.name,
    );
    return { ...registration, inputs: registered?.inputs ?? {}, provider: registered?.provider };
  });
  return { result: result as T, mocks, registrations };
}

export function ofKind(built: Built<unknown>, type: string): Registration[] {
  return built.registrations.filter((registration) => registration.type === type);
}

export function registration(built: Built<unknown>, type: string, name: string): Registration {
  const found = built.registrations.find((candidate) => candidate.type === type && candidate.name === name);
  if (!found) {
    const seen = built.registrations.map((candidate) => `${candidate.type}::${candidate.name}`).join("\n  ");
    throw new Error(`no ${type} named ${name}; registered:\n  ${seen}`);
  }
  return found;
}

/** Names of the resources a registration explicitly depends on (components stand for themselves). */
export async function dependencyNames(built: Built<unknown>, subject: Registration): Promise<string[]> {
  const dependsOn = subject.opts.dependsOn;
  if (!dependsOn) return [];
  const resolved = pulumi.Output.isInstance(dependsOn)
    ? await promiseOf(dependsOn as pulumi.Output<unknown>)
    : await dependsOn;
  const list = (Array.isArray(resolved) ? resolved : [resolved]) as unknown[];
  const resources = await Promise.all(
    list.map((item) => (pulumi.Output.isInstance(item) ? promiseOf(item as pulumi.Output<unknown>) : item)),
  );
  return resources
    .map(
      (resource) => built.registrations.find((candidate) => candidate.resource === resource)?.name ?? "(unregistered)",
    )
    .sort();
}
