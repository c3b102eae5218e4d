/**
 * Builds Docker target components under Pulumi's mocks (see
 * tests/support/harness.ts), with the Docker target's configs, contexts and
 * fixtures.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, PlatformConfig } from "../../../config/schema";
import { ServiceDirectory } from "../../../components/docker/addresses";
import { PlatformContext } from "../../../components/docker/context";
import { describePlatform } from "../../../platform/describe";
import { PlatformSpec, ServiceSpec } from "../../../platform/model";
import { dockerMockState } from "../../../components/docker/offline/docker-provider";
import { RecordingMocks } from "../../../tools/render/mocks";
import { buildInStack, Built, Registration } from "../../support/harness";

export type { Built, Registration };
export { dependencyNames, ofKind, registration } from "../../support/harness";

/** Runs `create` in a fresh mocked stack and waits until every registration has happened. */
export function build<T>(
  create: () => T,
  mocks: RecordingMocks = new RecordingMocks({}, dockerMockState),
): Promise<Built<T>> {
  return buildInStack("docker-test", create, mocks);
}

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";

/** `KEY=VALUE` entries of a container's envs. */
export function envsOf(subject: Registration): string[] {
  return (subject.inputs.envs as string[] | undefined) ?? [];
}

export function labelsOf(subject: Registration): Record<string, string> {
  const labels = (subject.inputs.labels as { label: string; value: string }[] | undefined) ?? [];
  return Object.fromEntries(labels.map(({ label, value }) => [label, value]));
}

/** A validated docker-target config: the schema's defaults under the given overrides. */
export function configWith(overrides: Record<string, unknown> = {}): PlatformConfig {
  return parsePlatformConfig({ target: "docker", environment: "development", ...overrides });
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
  "prefect-auth": {
    password: "FAKEAUTHfakeauth0123456789abcdefgh",
    "auth-string": "admin:FAKEAUTHfakeauth0123456789abcdefgh",
  },
  "model-publish": { token: "FAKETOKENfaketoken0123456789abcdefghijklmnopqrst" },
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
      "prefect-auth": {
        password: pulumi.secret(FAKE_SECRETS["prefect-auth"].password),
        "auth-string": pulumi.secret(FAKE_SECRETS["prefect-auth"]["auth-string"]),
      },
      "model-publish": { token: pulumi.secret(FAKE_SECRETS["model-publish"].token) },
    },
    addresses: new ServiceDirectory(services),
  };
}

/** Mocks whose containers (those `which` picks; default all) exit with a given code and log, as a failed run does. */
export class ExitingMocks extends RecordingMocks {
  constructor(
    private readonly exitCode: number,
    private readonly logs: string,
    private readonly which: (name: string) => boolean = () => true,
  ) {
    super({}, dockerMockState);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const created = super.newResource(args);
    if (args.type !== CONTAINER || !this.which(args.name)) return created;
    return { ...created, state: { ...created.state, exitCode: this.exitCode, containerLogs: this.logs } };
  }
}
