/**
 * The whole platform on one Docker host: network, images, secrets, volumes,
 * then every workload in dependency order, each realised by the component for
 * its kind.
 */
import * as pulumi from "@pulumi/pulumi";
import { PREFECT_AUTH, WORKLOAD_NAMES } from "../../platform/describe";
import { PlatformSpec, ScheduledJobSpec, ServiceSpec, Workload } from "../../platform/model";
import { mayRunSeveral } from "../../platform/replicas";
import { forEachWorkload } from "../../platform/workloads";
import { poolForSchedule, retrainingBundlesFor } from "../../platform/retraining";
import { PlatformSecrets } from "../secrets";
import { PlatformEndpoints, TargetArgs } from "../target";
import { ServiceDirectory } from "./addresses";
import { allOf } from "./container";
import { asResourceError, PlatformContext, VolumeHandle } from "./context";
import { DockerExecutorPool, executorType } from "./executor-pool";
import { PlatformImages } from "./images";
import { DockerJob } from "./job";
import { PlatformNetwork } from "./network";
import { DockerRetraining } from "./retraining";
import { DockerService, LOOPBACK } from "./service";
import { ServingProxy } from "./serving-proxy";
import { DockerSettings } from "./settings";
import { persistentVolumes, PlatformVolume, volumeWriters } from "./volumes";

/** How a public service is reached from the host. */
export interface Publication {
  /** "direct": the one container publishes the port; "proxy": a proxy in front of the replicas does. */
  via: "direct" | "proxy";
  hostPort: number;
}

/** The host port the settings give each public service. */
export function hostPorts(settings: DockerSettings): Record<string, number> {
  return {
    [WORKLOAD_NAMES.server]: settings.serverHostPort,
    [WORKLOAD_NAMES.serving]: settings.servingHostPort,
  };
}

/**
 * A service that runs, or may come to run, several replicas gets a proxy, so
 * its address stays put while replicas come and go; a single container
 * publishes itself.
 */
export function publicationOf(service: ServiceSpec, ports: Record<string, number>): Publication | undefined {
  if (!service.publicEndpoint) return undefined;
  const hostPort = ports[service.name];
  if (hostPort === undefined)
    throw new Error(`${service.name} has a public endpoint, but the Docker target has no host port for it`);
  return { via: mayRunSeveral(service) ? "proxy" : "direct", hostPort };
}

/** Every image the platform runs. */
export function imageReferences(spec: PlatformSpec, settings: DockerSettings): string[] {
  const references = [
    ...spec.services.map((service) => service.container.image),
    ...spec.jobs.map((job) => job.container.image),
    ...spec.schedules.map((schedule) => schedule.job.container.image),
    ...spec.executorPools.map((pool) => pool.worker.image),
  ];
  if (spec.services.some((service) => publicationOf(service, hostPorts(settings))?.via === "proxy"))
    references.push(settings.proxyImage);
  return references;
}

export function disabledRetraining(): string {
  return "Scheduled retraining is off (retraining.enabled is false): nothing retrains on a schedule; training runs again when its image, code or config changes.";
}

/**
 * What a Docker-family target reports after `pulumi up`: the public URLs it
 * gave the server and serving, the work pools, the login and how retraining runs.
 */
export function dockerFamilyEndpoints(
  spec: PlatformSpec,
  urls: ReadonlyMap<string, string>,
  secrets: PlatformSecrets,
  schedules: string[],
): PlatformEndpoints {
  return {
    prefectUiUrl: urls.get(WORKLOAD_NAMES.server) ?? "",
    servingUrl: urls.get(WORKLOAD_NAMES.serving) ?? "",
    workPool: spec.executorPools.map((pool) => pool.workPool).join(", "),
    prefectAuthString: secrets.values[PREFECT_AUTH.secret][PREFECT_AUTH.key],
    retraining: schedules.length > 0 ? schedules.join(" ") : disabledRetraining(),
  };
}

function directUrl(service: ServiceSpec, hostPort: number): string {
  if (service.publicEndpoint?.url) return service.publicEndpoint.url;
  const prefix = (service.publicEndpoint?.pathPrefix ?? "/").replace(/\/+$/, "");
  return `http://${LOOPBACK}:${hostPort}${prefix}`;
}

/** Warns when the address the browser is told to use is not where the server is published. */
function checkPublicUrl(service: ServiceSpec, hostPort: number, resource: pulumi.Resource): void {
  const url = service.publicEndpoint?.url;
  if (!url) return;
  const parsed = new URL(url);
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  if (["127.0.0.1", "localhost"].includes(parsed.hostname) && port !== hostPort) {
    pulumi.log.warn(
      `${service.name}'s public URL ${url} uses port ${port}, but the Docker target publishes it on ${hostPort}`,
      resource,
    );
  }
}

export class DockerPlatform extends pulumi.ComponentResource {
  readonly endpoints: PlatformEndpoints;

  constructor(name: string, args: TargetArgs<DockerSettings>, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Platform", name, {}, opts);
    try {
      const { spec, settings } = args;
      const ports = hostPorts(settings);
      if (new Set(Object.values(ports)).size !== Object.values(ports).length) {
        throw new pulumi.ResourceError(
          `docker.serverHostPort and docker.servingHostPort must differ (both are ${settings.serverHostPort})`,
          this,
        );
      }

      const network = new PlatformNetwork(`${name}-network`, { instance: spec.instance }, { parent: this });
      const images = new PlatformImages(
        `${name}-images`,
        { references: imageReferences(spec, settings) },
        { parent: this },
      );
      const addresses = new ServiceDirectory(spec.services);
      const secrets = new PlatformSecrets(
        `${name}-secrets`,
        { secrets: spec.secrets, serviceHost: (service) => addresses.host(service) },
        { parent: this },
      );
      const executors = executorType(settings);
      const writers = volumeWriters(spec, executors);
      const volumes: Record<string, VolumeHandle> = {};
      for (const volume of persistentVolumes(spec)) {
        const writer = writers.get(volume.name);
        const platformVolume = new PlatformVolume(
          `${name}-volume-${volume.name}`,
          { instance: spec.instance, volume, writer, writerImageId: writer ? images.imageId(writer.image) : undefined },
          { parent: this },
        );
        volumes[volume.name] = { name: platformVolume.volumeName, ready: platformVolume.ready };
      }
      const context: PlatformContext = {
        instance: spec.instance,
        networkName: network.networkName,
        imageId: (reference) => images.imageId(reference),
        volumes,
        secrets: secrets.values,
        addresses,
      };

      const ready = new Map<string, pulumi.Input<pulumi.Resource[]>>();
      const urls = new Map<string, string>();
      const schedules: string[] = [];
      const scheduled: ScheduledJobSpec[] = [];
      const after = (workload: Workload) => allOf(...workload.after.map((other) => ready.get(other) ?? []));
      forEachWorkload(spec, {
        service: (workload) => {
          const published = this.deployService(`${name}-${workload.name}`, workload, {
            context,
            publication: publicationOf(workload, ports),
            proxyImage: settings.proxyImage,
            after: after(workload),
          });
          ready.set(workload.name, published.ready);
          if (published.url !== undefined) urls.set(workload.name, published.url);
        },
        job: (workload) => {
          const job = new DockerJob(
            `${name}-${workload.name}`,
            { spec: workload, context, after: after(workload) },
            { parent: this },
          );
          ready.set(workload.name, job.ready);
        },
        // Registered once everything is placed: its pool's workers come later in the order.
        schedule: (workload) => {
          scheduled.push(workload);
        },
        executorPool: (workload) => {
          const pool = new DockerExecutorPool(
            `${name}-${workload.name}`,
            {
              spec: workload,
              executors,
              context,
              after: after(workload),
              extraBundles: retrainingBundlesFor(spec, workload),
            },
            { parent: this },
          );
          ready.set(workload.name, pool.ready);
        },
      });
      for (const workload of scheduled) {
        const pool = poolForSchedule(spec, workload);
        const retraining = new DockerRetraining(
          `${name}-${workload.name}`,
          { spec: workload, pool, context, after: allOf(after(workload), ready.get(pool.name) ?? []) },
          { parent: this },
        );
        ready.set(workload.name, retraining.ready);
        schedules.push(retraining.description);
      }

      this.endpoints = dockerFamilyEndpoints(spec, urls, secrets, schedules);
      this.registerOutputs({ ...this.endpoints });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }

  /**
   * One service, published on the host as its publication says: by its one
   * container, or by a proxy in front of its replicas.
   */
  private deployService(
    componentName: string,
    spec: ServiceSpec,
    args: {
      context: PlatformContext;
      publication: Publication | undefined;
      proxyImage: string;
      after: pulumi.Input<pulumi.Resource[]>;
    },
  ): { ready: pulumi.Input<pulumi.Resource[]>; url?: string } {
    const { context, publication } = args;
    const direct = publication?.via === "direct" ? publication.hostPort : undefined;
    const service = new DockerService(
      componentName,
      { spec, context, hostPort: direct, after: args.after },
      { parent: this },
    );
    if (publication?.via === "direct") {
      checkPublicUrl(spec, publication.hostPort, service);
      return { ready: service.ready, url: directUrl(spec, publication.hostPort) };
    }
    if (publication?.via === "proxy" && spec.publicEndpoint) {
      const proxy = new ServingProxy(
        `${componentName}-proxy`,
        {
          context,
          image: args.proxyImage,
          service: spec.name,
          upstream: {
            host: context.addresses.host(spec.name),
            port: context.addresses.port(spec.name, spec.publicEndpoint.port),
            pathPrefix: spec.publicEndpoint.pathPrefix,
          },
          hostPort: publication.hostPort,
          after: service.ready,
        },
        { parent: this },
      );
      return { ready: service.ready, url: proxy.url };
    }
    return { ready: service.ready };
  }
}
