/**
 * The whole platform on one Kubernetes cluster, through one explicit provider:
 * namespaces, network policies, secrets, volumes and files first, then every
 * workload in the order the platform description asks for.
 */
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/kubernetes/provider";
import { ConfigError } from "../../config/load";
import { CONFIG_NAMESPACE } from "../../config/validate";
import { PREFECT_AUTH } from "../../platform/describe";
import { PlatformSpec, Workload } from "../../platform/model";
import { forEachWorkload } from "../../platform/workloads";
import { PlatformEndpoints, TargetArgs } from "../target";
import { BatchJob } from "./batch-job";
import { bundleConfigMapName, Bundles } from "./bundles";
import { platformEndpoints } from "./endpoints";
import { namespacesToKeep, platformContainers, serviceUrl, volumeConsumers } from "./layout";
import { PlatformNamespaces } from "./namespaces";
import { serviceHost } from "./naming";
import { NetworkPolicies } from "./network-policies";
import { PodPlacement } from "./placement";
import { PlatformPriorities } from "./priorities";
import { createClusterProvider, resolveKubeconfig } from "./provider";
import { ScheduledJob } from "./scheduled-job";
import { KubernetesSettings } from "./settings";
import { KubernetesSecrets } from "./secrets";
import { PlatformService } from "./service";
import { VolumeClaims } from "./volumes";
import { WorkerPool } from "./worker-pool";

/**
 * Refuses settings that cannot work together. (A LoadBalancer without
 * kubernetes.allowLoadBalancer is the policy pack's to refuse.)
 */
export function checkKubernetesSettings(settings: KubernetesSettings): void {
  if (settings.namespace === settings.executorNamespace) {
    throw new ConfigError(pulumi.getStack(), [
      {
        key: `${CONFIG_NAMESPACE}:kubernetes.executorNamespace`,
        message: `must differ from kubernetes.namespace ("${settings.namespace}"): the executors' quota and policies apply to their whole namespace`,
      },
    ]);
  }
}

export class KubernetesPlatform extends pulumi.ComponentResource {
  readonly provider: Provider;
  readonly namespaces: PlatformNamespaces;
  readonly networkPolicies: NetworkPolicies;
  readonly priorities: PlatformPriorities;
  readonly secrets: KubernetesSecrets;
  readonly volumes: VolumeClaims;
  readonly bundles: Bundles;
  readonly services: Record<string, PlatformService> = {};
  readonly jobs: Record<string, BatchJob> = {};
  readonly schedules: Record<string, ScheduledJob> = {};
  readonly workerPools: Record<string, WorkerPool> = {};
  readonly endpoints: PlatformEndpoints;

  constructor(name: string, args: TargetArgs<KubernetesSettings>, opts?: pulumi.ComponentResourceOptions) {
    // Refused before anything of the platform is registered.
    checkKubernetesSettings(args.settings);
    const kubeconfig = resolveKubeconfig(args.settings);
    super("ml-platform:kubernetes:Platform", name, {}, opts);
    const { spec, settings } = args;
    const platformNamespace = settings.namespace;
    const executorNamespace = settings.executorNamespace;

    this.provider = createClusterProvider(
      `${name}-provider`,
      { kubeconfig, context: settings.context, clusterIdentifier: spec.instance },
      { parent: this },
    );
    const child = { parent: this, providers: [this.provider] };

    const consumers = volumeConsumers(spec, platformNamespace, executorNamespace);
    this.namespaces = new PlatformNamespaces(
      `${name}-namespaces`,
      {
        instance: spec.instance,
        platformNamespace,
        executorNamespace,
        executorPools: spec.executorPools,
        keep: namespacesToKeep(spec, consumers, platformNamespace, executorNamespace),
      },
      child,
    );
    const namespaceRef = (namespace: string): pulumi.Output<string> => {
      if (namespace === platformNamespace) return this.namespaces.platformName;
      if (namespace === executorNamespace) return this.namespaces.executorName;
      throw new pulumi.ResourceError(`namespace "${namespace}" is not one of the platform's`, this);
    };

    // Before any pod exists, so no pod ever runs unprotected or cut off from its peers.
    this.networkPolicies = new NetworkPolicies(
      `${name}-network-policies`,
      {
        spec,
        layout: { instance: spec.instance, platformNamespace, executorNamespace },
        egress: { flowRunEgress: settings.flowRunEgress },
        namespaceRef,
      },
      child,
    );
    // Before any pod: admission refuses a pod whose PriorityClass does not exist yet.
    this.priorities = new PlatformPriorities(`${name}-priorities`, { instance: spec.instance }, child);
    this.secrets = new KubernetesSecrets(
      `${name}-secrets`,
      {
        instance: spec.instance,
        namespace: this.namespaces.platformName,
        secrets: spec.secrets,
        serviceHost: (service) => serviceHost(service, platformNamespace),
      },
      child,
    );
    this.volumes = new VolumeClaims(
      `${name}-volumes`,
      { instance: spec.instance, volumes: spec.volumes, consumers, storageClass: settings.storageClass, namespaceRef },
      child,
    );
    this.bundles = new Bundles(
      `${name}-bundles`,
      {
        instance: spec.instance,
        namespace: this.namespaces.platformName,
        bundles: platformContainers(spec).flatMap((container) => container.bundles),
      },
      child,
    );

    const placement: PodPlacement = {
      namespace: platformNamespace,
      secretName: (secret) => this.secrets.nameOf(secret),
      bundleConfigMap: (bundle) => this.bundles.configMapName(bundle),
      claimName: (volume) => this.volumes.claimName(platformNamespace, volume),
      serviceUrl: (address) => serviceUrl(spec, address, platformNamespace),
      gpuRuntimeClassName: settings.gpuRuntimeClassName,
      priorityClassName: this.priorities.names.platform,
    };
    this.deployWorkloads(name, spec, settings, placement, child);
    this.endpoints = platformEndpoints(spec, settings, this.secrets.values[PREFECT_AUTH.secret][PREFECT_AUTH.key]);

    this.registerOutputs({
      prefectUiUrl: this.endpoints.prefectUiUrl,
      servingUrl: this.endpoints.servingUrl,
      workPool: this.endpoints.workPool,
    });
  }

  private deployWorkloads(
    name: string,
    spec: PlatformSpec,
    settings: KubernetesSettings,
    placement: PodPlacement,
    child: pulumi.ComponentResourceOptions,
  ): void {
    const started = new Map<string, pulumi.Resource>();
    const dependencies = (workload: Workload): pulumi.Resource[] => [
      this.networkPolicies,
      this.priorities,
      ...workload.after.map((other) => started.get(other) as pulumi.Resource),
    ];
    const common = { instance: spec.instance, placement, namespace: this.namespaces.platformName };

    forEachWorkload(spec, {
      service: (workload) => {
        const service = new PlatformService(
          `${name}-${workload.name}`,
          {
            ...common,
            service: workload,
            serviceType: settings.serviceType,
            ingress: {
              className: settings.ingressClassName,
              host: settings.ingressHost,
              tlsSecretName: settings.tlsSecretName,
            },
            storageClass: settings.storageClass,
            dependsOn: dependencies(workload),
          },
          child,
        );
        this.services[workload.name] = service;
        started.set(workload.name, service.workload);
      },
      job: (workload) => {
        const job = new BatchJob(
          `${name}-${workload.name}`,
          { ...common, job: workload, dependsOn: dependencies(workload) },
          child,
        );
        this.jobs[workload.name] = job;
        started.set(workload.name, job.job);
      },
      schedule: (workload) => {
        const schedule = new ScheduledJob(
          `${name}-${workload.name}`,
          { ...common, schedule: workload, dependsOn: dependencies(workload) },
          child,
        );
        this.schedules[workload.name] = schedule;
        started.set(workload.name, schedule.cronJob);
      },
      executorPool: (workload) => {
        const executorNamespace = settings.executorNamespace;
        const pool = new WorkerPool(
          `${name}-${workload.name}`,
          {
            ...common,
            pool: workload,
            executorNamespace: this.namespaces.executorName,
            executors: {
              instance: spec.instance,
              executorNamespace,
              // Plain names: the template is a file; the claims exist before the workers (dependsOn below).
              claimName: (volume) => this.volumes.fixedClaimName(executorNamespace, volume),
              bundleConfigMap: bundleConfigMapName,
              secretName: (secret) => secret,
              // Fully qualified names, as the platform's own pods are given: they resolve from any namespace.
              serviceUrl: (address) => placement.serviceUrl(address),
              gpuRuntimeClassName: settings.gpuRuntimeClassName,
              priorityClassName: this.priorities.names.executors,
              deadlineSeconds: settings.executorDeadlineSeconds,
            },
            secretValues: this.secrets.values,
            dependsOn: [...dependencies(workload), this.volumes, this.namespaces],
          },
          child,
        );
        this.workerPools[workload.name] = pool;
        started.set(workload.name, pool.deployment);
      },
    });
  }
}
