/**
 * What the offline render knows of the @pulumi/docker provider, which the
 * docker and swarm targets both deploy with: its mock state, the names it
 * gives resources, and which of its resources carry secret values.
 */
import type { MockState } from "../../offline-render";
import { digest } from "../../../tools/render/mocks";
import { DOCKER_TYPES } from "../provider-types";

/**
 * The Docker provider auto-names containers, networks and volumes that get no
 * name (`<resource name>-<7 random characters>`); here the suffix comes from
 * the resource name, so references to the name survive and stay stable.
 */
export function dockerName(name: string, inputs: Record<string, unknown>): string {
  return typeof inputs.name === "string" && inputs.name !== "" ? inputs.name : `${name}-${digest(name).slice(0, 7)}`;
}

/** The imageId the mock RemoteImage reports for an image reference. */
export function mockImageId(reference: string): string {
  return `sha256:${digest(reference)}`;
}

const STATE_BY_TYPE: Record<string, MockState> = {
  [DOCKER_TYPES.remoteImage]: (_name, inputs) => ({
    ...inputs,
    imageId: mockImageId(String(inputs.name)),
    repoDigest: `${String(inputs.name).split(":")[0]}@sha256:${digest(`repo/${String(inputs.name)}`)}`,
  }),
  [DOCKER_TYPES.container]: (name, inputs) => ({
    ...inputs,
    name: dockerName(name, inputs),
    exitCode: 0,
    containerLogs: "",
  }),
  [DOCKER_TYPES.network]: (name, inputs) => ({ ...inputs, name: dockerName(name, inputs) }),
  [DOCKER_TYPES.volume]: (name, inputs) => ({
    ...inputs,
    name: dockerName(name, inputs),
    mountpoint: `/var/lib/docker/volumes/${dockerName(name, inputs)}/_data`,
  }),
};

/** The mock state of a Docker provider resource type; undefined where the state is the inputs. */
export function dockerMockState(type: string): MockState | undefined {
  return STATE_BY_TYPE[type];
}

/** Every Docker resource's secrets reach the deployable files (compose.yaml's and docker-stack.yml's secret files). */
export function placesDockerSecrets(type: string): boolean {
  return type.startsWith("docker:");
}
