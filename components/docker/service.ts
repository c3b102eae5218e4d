/**
 * A long-running service: `replicas` identical containers that share the
 * service's network alias, each with a healthcheck that `pulumi up` waits on.
 *
 * Containers have no fixed name, so a changed replica is replaced the
 * Pulumi default way: the new container is created and healthy before the old
 * one is removed. Only a service that must never run twice (fixed host port,
 * single-writer state) is replaced delete-first.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec, VolumeMount } from "../../platform/model";
import { fixedReplicaCount } from "../../platform/replicas";
import { baseContainerArgs, containerDependencies, prepareContainer } from "./container";
import { asResourceError, PlatformContext } from "./context";
import { healthcheckFor, waitTimeoutSeconds } from "./probes";

export interface DockerServiceArgs {
  /** The neutral service to run. */
  spec: ServiceSpec;
  context: PlatformContext;
  /**
   * Host port for the service's public endpoint, bound to 127.0.0.1 only.
   * Default: none, the service is reachable on the platform network only.
   */
  hostPort?: number;
  /** Resources of the workloads this one comes after (spec.after); default none. */
  after?: pulumi.Input<pulumi.Resource[]>;
}

/** Publishing a port on 127.0.0.1 keeps the platform off the host's other interfaces. */
export const LOOPBACK = "127.0.0.1";

function stateMounts(spec: ServiceSpec): VolumeMount[] {
  return spec.state ? [{ volume: spec.state.volume, path: spec.state.path, readOnly: false }] : [];
}

/**
 * Why the service must be replaced delete-first, or undefined when a new
 * replica can start beside the old one.
 */
export function deleteFirstReason(spec: ServiceSpec, hostPort: number | undefined): string | undefined {
  if (hostPort !== undefined) return `it owns host port ${hostPort}`;
  if (spec.state) return `two instances must never share its state volume "${spec.state.volume}"`;
  if (!spec.zeroDowntimeUpdates) return "its spec does not allow two instances at once";
  return undefined;
}

/** Seconds a container gets to shut down cleanly before it is killed. */
export function stopGraceSeconds(spec: ServiceSpec): number {
  return spec.state ? 60 : 30;
}

export function publishedPorts(
  spec: ServiceSpec,
  hostPort: number | undefined,
): docker.types.input.ContainerPort[] | undefined {
  if (hostPort === undefined) return undefined;
  if (!spec.publicEndpoint) throw new Error(`${spec.name} has no public endpoint to publish on host port ${hostPort}`);
  const portName = spec.publicEndpoint.port;
  const port = spec.container.ports.find((candidate) => candidate.name === portName);
  if (!port)
    throw new Error(`${spec.name}'s public endpoint names port "${portName}", which the container does not have`);
  return [{ internal: port.port, external: hostPort, ip: LOOPBACK, protocol: "tcp" }];
}

export class DockerService extends pulumi.ComponentResource {
  readonly containers: docker.Container[];
  /** The replicas, once all are healthy. */
  readonly ready: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: DockerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Service", name, {}, opts);
    try {
      const { spec, context, hostPort } = args;
      const replicas = fixedReplicaCount(spec);
      if (hostPort !== undefined && replicas > 1) {
        throw new pulumi.ResourceError(
          `${spec.name} has ${replicas} replicas, which cannot all publish host port ${hostPort}; put them behind a proxy`,
          this,
        );
      }
      const healthcheck = healthcheckFor(spec.container);
      if (!healthcheck) {
        throw new pulumi.ResourceError(
          `${spec.name} has no readiness or liveness probe, so Docker cannot tell when it is up`,
          this,
        );
      }

      const { identity, plan, delivery } = prepareContainer(name, spec.container, {
        workload: spec,
        context,
        parent: this,
      });
      const extraMounts = stateMounts(spec);
      const dependsOn = containerDependencies(
        args.after ?? [],
        [...spec.container.mounts, ...extraMounts],
        context,
        delivery,
      );
      const grace = stopGraceSeconds(spec);
      const containerArgs: docker.ContainerArgs = {
        ...baseContainerArgs(spec.container, { identity, context, plan, delivery, extraMounts }),
        healthcheck,
        wait: true,
        waitTimeout: waitTimeoutSeconds(spec.container),
        restart: "unless-stopped",
        ports: publishedPorts(spec, hostPort),
        destroyGraceSeconds: grace,
        stopTimeout: grace,
      };
      const deleteBeforeReplace = deleteFirstReason(spec, hostPort) !== undefined;

      this.containers = Array.from(
        { length: replicas },
        (_, replica) =>
          new docker.Container(`${name}-${replica}`, containerArgs, { parent: this, dependsOn, deleteBeforeReplace }),
      );
      this.ready = pulumi.output(this.containers);
      this.registerOutputs({ containers: this.containers.map((container) => container.name) });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
