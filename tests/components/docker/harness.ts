/**
 * Builds Docker target components under Pulumi's mocks and records every
 * registration with its resource options (protect, dependsOn, ...), which the
 * mocks alone never see: a stack transformation inside a root stack does.
 */
import * as pulumi from "@pulumi/pulumi";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { PlatformConfig, platformConfigSchema } from "../../../config/schema";
import { ServiceDirectory } from "../../../components/docker/addresses";
import { PlatformContext } from "../../../components/docker/context";
import { describePlatform } from "../../../platform/describe";
import { PlatformSpec, ServiceSpec } from "../../../platform/model";
import { RecordingMocks } from "../../../tools/render/mocks";
import { promiseOf, settled } from "../../support/mocks";

export interface Registration {
  type: string;
  name: string;
  resource: pulumi.Resource;
  opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions;
  /** The inputs the mock provider received. */
  inputs: Record<string, unknown>;
  /** The provider reference the engine would use for it (explicit providers only). */
  provider?: string;
}

/** RecordingMocks that also note which provider each resource was registered with. */
export class HarnessMocks extends RecordingMocks {
  readonly providers = new Map<string, string | undefined>();

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    this.providers.set(`${args.type}::${args.name}`, args.provider);
    return super.newResource(args);
  }
}

export interface Built<T> {
  result: T;
  mocks: HarnessMocks;
  registrations: Registration[];
}

let stackCounter = 0;

/** Runs `create` in a fresh mocked stack and waits until every registration has happened. */
export async function build<T>(create: () => T, mocks: HarnessMocks = new HarnessMocks()): Promise<Built<T>> {
  stackCounter += 1;
  pulumi.runtime.setMocks(mocks, "ml-platform", `docker-test-${stackCounter}`, false);
  pulumi.runtime.setAllConfig({}, []);
  const captured: Omit<Registration, "inputs">[] = [];
  let result: T | undefined;
  await runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      captured.push({ type: args.type, name: args.name, resource: args.resource, opts: args.opts });
      return undefined;
    });
    result = create();
    return {};
  });
  await settled();
  const registrations = captured.map((registration) => {
    const registered = mocks.registered.find(
      (entry) => entry.type === registration.type && entry.name === registration.name,
    );
    return {
      ...registration,
      inputs: registered?.inputs ?? {},
      provider: mocks.providers.get(`${registration.type}::${registration.name}`),
    };
  });
  return { result: result as T, mocks, registrations };
}

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";

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

/** Names of the resources a registration explicitly depends on. */
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

/** `KEY=VALUE` entries of a container's envs. */
export function envsOf(subject: Registration): string[] {
  return (subject.inputs.envs as string[] | undefined) ?? [];
}

export function labelsOf(subject: Registration): Record<string, string> {
  const labels = (subject.inputs.labels as { label: string; value: string }[] | undefined) ?? [];
  return Object.fromEntries(labels.map(({ label, value }) => [label, value]));
}

/** A validated config: the schema's defaults under the given overrides. */
export function configWith(overrides: Record<string, unknown> = {}): PlatformConfig {
  return platformConfigSchema.parse(overrides);
}

export function specWith(overrides: Record<string, unknown> = {}, stack = "test"): PlatformSpec {
  return describePlatform(configWith(overrides), stack);
}

/** Fake secret values: long enough to be found if they leak anywhere. */
export const FAKE_SECRETS = {
  postgres: {
    password: "FAKEPASSWORDfakepassword0123456789",
    "database-url": "postgresql+asyncpg://prefect:FAKEPASSWORDfakepassword0123456789@postgres:5432/prefect",
  },
};

/**
 * A PlatformContext without the platform around it: images resolve to fake
 * IDs, volumes to their neutral names, secrets to FAKE_SECRETS.
 */
export function testContext(
  services: ServiceSpec[] = [],
  volumes: string[] = ["data", "models", "postgres-data"],
): PlatformContext {
  return {
    instance: "ml-platform-test",
    networkName: "test-network",
    imageId: (reference) => pulumi.output(`sha256:id-of-${reference}`),
    volumes: Object.fromEntries(volumes.map((volume) => [volume, { name: `volume-${volume}`, ready: [] }])),
    secrets: {
      postgres: {
        password: pulumi.secret(FAKE_SECRETS.postgres.password),
        "database-url": pulumi.secret(FAKE_SECRETS.postgres["database-url"]),
      },
    },
    addresses: new ServiceDirectory(services),
  };
}

/** Mocks whose containers (those `which` picks; default all) exit with a given code and log, as a failed run does. */
export class ExitingMocks extends HarnessMocks {
  constructor(
    private readonly exitCode: number,
    private readonly logs: string,
    private readonly which: (name: string) => boolean = () => true,
  ) {
    super();
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const created = super.newResource(args);
    if (args.type !== CONTAINER || !this.which(args.name)) return created;
    return { ...created, state: { ...created.state, exitCode: this.exitCode, containerLogs: this.logs } };
  }
}
