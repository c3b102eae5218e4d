/**
 * The whole platform on a Docker Swarm: an overlay network, Swarm secrets
 * and configs, volumes, then every workload as a service, each realised by
 * the component for its kind. Swarm starts all services at once and each
 * converges on its own (restart policies, healthchecks, tasks that wait for
 * what they need), so the order below is only the order of creation.
 */
import * as pulumi from "@pulumi/pulumi";
import { WORKLOAD_NAMES } from "../../platform/describe";
import { ServiceSpec } from "../../platform/model";
import { mayRunSeveral } from "../../platform/replicas";
import { forEachWorkload } from "../../platform/workloads";
import { ServiceDirectory } from "../docker/addresses";
import { asResourceError } from "../docker/context";
import { dockerFamilyEndpoints } from "../docker/platform";
import { persistentVolumes, volumeWriters } from "../docker/volumes";
import { PlatformSecrets } from "../secrets";
import { PlatformEndpoints, TargetArgs } from "../target";
import { SwarmContext } from "./context";
import { SWARM_EXECUTORS, SwarmExecutorPool } from "./executor-pool";
import { SwarmFiles } from "./files";
import { SwarmJob } from "./job";
import { OverlayNetwork } from "./network";
import { SwarmProxy } from "./proxy";
import { poolForSchedule, retrainingBundlesFor } from "../../platform/retraining";
import { SwarmRetraining } from "./retraining";
import { SwarmService } from "./service";
import { SwarmSettings } from "./settings";
import { SwarmVolume, VolumeOwnership } from "./volumes";

/** How a public service is reached: its own published port, or a proxy in front of its replicas. */
export interface SwarmPublication {
  via: "direct" | "proxy";
  port: number;
}

export function publishedPortsByService(settings: SwarmSettings): Record<string, number> {
  return { [WORKLOAD_NAMES.server]: settings.serverPort, [WORKLOAD_NAMES.serving]: settings.servingPort };
}

/**
 * The routing mesh balances a published port over all healthy tasks; in host
 * mode a node binds the port for one task, so several replicas need a proxy.
 */
export function publicationOf(service: ServiceSpec, settings: SwarmSettings): SwarmPublication | undefined {
  if (!service.publicEndpoint) return undefined;
  const port = publishedPortsByService(settings)[service.name];
  if (port === undefined)
    throw new Error(`${service.name} has a public endpoint, but the Swarm target has no published port for it`);
  return { via: mayRunSeveral(service) && settings.publishMode === "host" ? "proxy" : "direct", port };
}

/** The URL users reach a published service at, on the manager (any node with the routing mesh). */
export function publicUrl(service: ServiceSpec, port: number): string {
  if (service.publicEndpoint?.url) return service.publicEndpoint.url;
  const prefix = (service.publicEndpoint?.pathPrefix ?? "/").replace(/\/+$/, "");
  return `http://127.0.0.1:${port}${prefix}`;
}

/** The placement constraint of the node that holds the database and its volume. */
export function databaseConstraint(settings: SwarmSettings): string {
  return `node.labels.${settings.databaseNodeLabel} == true`;
}

export class SwarmPlatform extends pulumi.ComponentResource {
  readonly endpoints: PlatformEndpoints;

  constructor(name: string, args: TargetArgs<SwarmSettings>, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Platform", name, {}, opts);
    try {
      const { spec, settings } = args;
      const network = new OverlayNetwork(`${name}-network`, { instance: spec.instance }, { parent: this });
      const addresses = new ServiceDirectory(spec.services);
      const secrets = new PlatformSecrets(
        `${name}-secrets`,
        { secrets: spec.secrets, serviceHost: (service) => addresses.host(service) },
        { parent: this },
      );
      const files = new SwarmFiles(`${name}-files`, spec.instance, secrets.values, { parent: this });
      const volumes: Record<string, pulumi.Input<string>> = {};
      for (const volume of persistentVolumes(spec)) {
        const created = new SwarmVolume(
          `${name}-volume-${volume.name}`,
          { instance: spec.instance, volume, driver: settings.volumeDriver },
          { parent: this },
        );
        volumes[volume.name] = created.volumeName;
      }
      const context: SwarmContext = {
        instance: spec.instance,
        networkId: network.networkId,
        volumes,
        volumeDriver: settings.volumeDriver,
        files,
        addresses,
        databaseConstraint: databaseConstraint(settings),
        publishMode: settings.publishMode,
        endpointMode: settings.endpointMode,
        updateDelaySeconds: settings.updateDelaySeconds,
        monitorSeconds: settings.monitorSeconds,
      };
      const stateVolumes = new Set(spec.services.flatMap((service) => (service.state ? [service.state.volume] : [])));
      for (const [volume, writer] of volumeWriters(spec, SWARM_EXECUTORS)) {
        new VolumeOwnership(
          `${name}-volume-${volume}-ownership`,
          { context, volume, writer, constraints: stateVolumes.has(volume) ? [context.databaseConstraint] : undefined },
          { parent: this },
        );
      }

      const urls = new Map<string, string>();
      const schedules: string[] = [];
      forEachWorkload(spec, {
        service: (workload) => {
          const url = this.deployService(`${name}-${workload.name}`, workload, settings, context);
          if (url !== undefined) urls.set(workload.name, url);
        },
        job: (workload) => {
          new SwarmJob(`${name}-${workload.name}`, { spec: workload, context }, { parent: this });
        },
        schedule: (workload) => {
          const retraining = new SwarmRetraining(
            `${name}-${workload.name}`,
            { spec: workload, pool: poolForSchedule(spec, workload), context },
            { parent: this },
          );
          schedules.push(retraining.description);
        },
        executorPool: (workload) => {
          // The pool that runs retraining gets its flow; it comes before the schedule that registers it.
          new SwarmExecutorPool(
            `${name}-${workload.name}`,
            { spec: workload, context, extraBundles: retrainingBundlesFor(spec, workload) },
            { parent: this },
          );
        },
      });

      this.endpoints = dockerFamilyEndpoints(spec, urls, secrets, schedules);
      this.registerOutputs({ ...this.endpoints });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }

  /** One service, published as its publication says; answers the URL users reach it at, if it is public. */
  private deployService(
    componentName: string,
    spec: ServiceSpec,
    settings: SwarmSettings,
    context: SwarmContext,
  ): string | undefined {
    const publication = publicationOf(spec, settings);
    new SwarmService(
      componentName,
      { spec, context, publishedPort: publication?.via === "direct" ? publication.port : undefined },
      { parent: this },
    );
    if (publication?.via === "proxy" && spec.publicEndpoint) {
      new SwarmProxy(
        `${componentName}-proxy`,
        {
          context,
          image: settings.proxyImage,
          service: spec.name,
          upstream: {
            host: context.addresses.host(spec.name),
            port: context.addresses.port(spec.name, spec.publicEndpoint.port),
            pathPrefix: spec.publicEndpoint.pathPrefix,
          },
          publishedPort: publication.port,
        },
        { parent: this },
      );
    }
    return publication ? publicUrl(spec, publication.port) : undefined;
  }
}
