/**
 * Builds Swarm target components under Pulumi's mocks (see
 * tests/support/harness.ts), with a Swarm context whose secrets are fakes.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig, PlatformConfig } from "../../../config/schema";
import { ServiceDirectory } from "../../../components/docker/addresses";
import { SwarmContext } from "../../../components/swarm/context";
import { SwarmFiles } from "../../../components/swarm/files";
import { describePlatform } from "../../../platform/describe";
import { PlatformSpec, ServiceSpec } from "../../../platform/model";
import { dockerMockState } from "../../../components/docker/offline/docker-provider";
import { RecordingMocks } from "../../../tools/render/mocks";
import { buildInStack, Built, Registration } from "../../support/harness";
import { FAKE_SECRETS } from "../docker/harness";

export type { Built, Registration };
export { FAKE_SECRETS };
export { ofKind, registration } from "../../support/harness";

export const SERVICE = "docker:index/service:Service";
export const SECRET = "docker:index/secret:Secret";
export const CONFIG = "docker:index/serviceConfig:ServiceConfig";

export function build<T>(
  create: () => T,
  mocks: RecordingMocks = new RecordingMocks({}, dockerMockState),
): Promise<Built<T>> {
  return buildInStack("swarm-test", create, mocks);
}

/** A validated swarm-target config: the schema's defaults under the given overrides. */
export function configWith(overrides: Record<string, unknown> = {}): PlatformConfig {
  return parsePlatformConfig({ target: "swarm", environment: "staging", ...overrides });
}

export function specWith(overrides: Record<string, unknown> = {}): PlatformSpec {
  return describePlatform(configWith(overrides), "test");
}

/** A SwarmContext without the platform around it; its files component is created inside the mocked stack. */
export function testContext(services: ServiceSpec[] = [], overrides: Partial<SwarmContext> = {}): SwarmContext {
  const values = {
    postgres: {
      password: pulumi.secret(FAKE_SECRETS.postgres.password),
      "database-url": pulumi.secret(FAKE_SECRETS.postgres["database-url"]),
    },
    "prefect-auth": {
      password: pulumi.secret(FAKE_SECRETS["prefect-auth"].password),
      "auth-string": pulumi.secret(FAKE_SECRETS["prefect-auth"]["auth-string"]),
    },
    "model-publish": { token: pulumi.secret(FAKE_SECRETS["model-publish"].token) },
  };
  return {
    instance: "ml-platform-test",
    networkId: "test-network-id",
    volumes: { data: "volume-data", models: "volume-models", "postgres-data": "volume-postgres-data" },
    volumeDriver: "local",
    files: new SwarmFiles("files", "ml-platform-test", values),
    addresses: new ServiceDirectory(services),
    databaseConstraint: "node.labels.ml-platform.database == true",
    publishMode: "ingress",
    endpointMode: "vip",
    updateDelaySeconds: 10,
    monitorSeconds: 30,
    ...overrides,
  };
}

export interface TaskInputs {
  containerSpec: Record<string, unknown> & {
    env?: Record<string, string>;
    mounts?: Record<string, unknown>[];
    secrets?: Record<string, unknown>[];
    configs?: Record<string, unknown>[];
    args?: string[];
  };
  resources?: { limits?: Record<string, number>; reservation?: Record<string, number> };
  restartPolicy?: Record<string, unknown>;
  placement?: { constraints?: string[] };
}

export function taskOf(service: Registration): TaskInputs {
  return service.inputs.taskSpec as TaskInputs;
}
