/**
 * A long-running service on Swarm: `replicas` tasks behind the service's
 * name, each with a healthcheck; Swarm restarts failed tasks, rolls updates
 * out one task at a time and rolls an update back by itself when the new
 * tasks fail their healthcheck.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ServiceSpec, VolumeMount } from "../../platform/model";
import { fixedReplicaCount } from "../../platform/replicas";
import { asResourceError } from "../docker/context";
import { healthcheckFor } from "../docker/probes";
import { stopGraceSeconds } from "../docker/service";
import { SwarmContext } from "./context";
import { serviceLabels, serviceName, taskSpec } from "./task";

export interface SwarmServiceArgs {
  spec: ServiceSpec;
  context: SwarmContext;
  /** The port published for the service's public endpoint; default none (reachable on the overlay network only). */
  publishedPort?: number;
}

/** Swarm restarts any task that stops, after a pause, as Docker's unless-stopped does for a container. */
export const ALWAYS_RESTART: docker.types.input.ServiceTaskSpecRestartPolicy = {
  condition: "any",
  delay: "5s",
  window: "60s",
};

function stateMounts(spec: ServiceSpec): VolumeMount[] {
  return spec.state ? [{ volume: spec.state.volume, path: spec.state.path, readOnly: false }] : [];
}

/**
 * Why a new task may not start beside the old one during an update: a
 * single-writer state volume, or a port the node binds itself (host mode).
 * Undefined: start-first.
 */
export function stopFirstReason(spec: ServiceSpec, hostModePort: boolean): string | undefined {
  if (spec.state) return `two tasks must never share its state volume "${spec.state.volume}"`;
  if (hostModePort) return "its published port is bound by the node itself (host mode), which two tasks cannot share";
  if (!spec.zeroDowntimeUpdates) return "its spec does not allow two instances at once";
  return undefined;
}

/**
 * One task at a time, the next only after the monitor period shows the last
 * one healthy; a failed task rolls the whole update back.
 */
export function updateConfig(
  context: SwarmContext,
  order: "start-first" | "stop-first",
): docker.types.input.ServiceUpdateConfig {
  return {
    parallelism: 1,
    delay: `${context.updateDelaySeconds}s`,
    order,
    failureAction: "rollback",
    monitor: `${context.monitorSeconds}s`,
    maxFailureRatio: "0",
  };
}

/** A rollback goes as carefully as an update, and pauses (for a human) if it fails too. */
export function rollbackConfig(
  context: SwarmContext,
  order: "start-first" | "stop-first",
): docker.types.input.ServiceRollbackConfig {
  return {
    parallelism: 1,
    delay: "0s",
    order,
    failureAction: "pause",
    monitor: `${context.monitorSeconds}s`,
    maxFailureRatio: "0",
  };
}

export function publishedPorts(
  spec: ServiceSpec,
  publishedPort: number | undefined,
  context: SwarmContext,
): docker.types.input.ServiceEndpointSpecPort[] | undefined {
  if (publishedPort === undefined) return undefined;
  if (!spec.publicEndpoint) throw new Error(`${spec.name} has no public endpoint to publish on port ${publishedPort}`);
  const portName = spec.publicEndpoint.port;
  const port = spec.container.ports.find((candidate) => candidate.name === portName);
  if (!port)
    throw new Error(`${spec.name}'s public endpoint names port "${portName}", which the container does not have`);
  return [{ targetPort: port.port, publishedPort, publishMode: context.publishMode, protocol: "tcp" }];
}

export class SwarmService extends pulumi.ComponentResource {
  readonly service: docker.Service;

  constructor(name: string, args: SwarmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Service", name, {}, opts);
    try {
      const { spec, context, publishedPort } = args;
      const healthcheck = healthcheckFor(spec.container);
      if (!healthcheck) {
        throw new pulumi.ResourceError(
          `${spec.name} has no readiness or liveness probe, so Swarm cannot tell when a task is up`,
          this,
        );
      }
      const replicas = fixedReplicaCount(spec);
      const hostModePort = publishedPort !== undefined && context.publishMode === "host";
      if (hostModePort && replicas > 1) {
        throw new pulumi.ResourceError(
          `${spec.name} has ${replicas} replicas, which cannot all bind port ${publishedPort} on one node in host mode; put them behind a proxy`,
          this,
        );
      }
      const order = stopFirstReason(spec, hostModePort) === undefined ? "start-first" : "stop-first";
      const identity = { instance: context.instance, name: spec.name, component: spec.component };
      this.service = new docker.Service(
        `${name}-service`,
        {
          name: serviceName(context, spec.name),
          labels: serviceLabels(identity),
          taskSpec: taskSpec(spec.container, {
            identity,
            context,
            extraMounts: stateMounts(spec),
            healthcheck,
            restartPolicy: ALWAYS_RESTART,
            // Stateful services live where their volume is: on the labelled node.
            constraints: spec.state ? [context.databaseConstraint] : undefined,
            stopGraceSeconds: stopGraceSeconds(spec),
          }),
          mode: { replicated: { replicas } },
          updateConfig: updateConfig(context, order),
          rollbackConfig: rollbackConfig(context, order),
          endpointSpec: { mode: context.endpointMode, ports: publishedPorts(spec, publishedPort, context) },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.registerOutputs({ service: this.service.name });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
