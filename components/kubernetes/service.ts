/**
 * A neutral long-running service on Kubernetes. With state it is a
 * StatefulSet with a headless Service and a claim template; without, a
 * Deployment with a Service, plus an Ingress for a public endpoint, an
 * autoscaling/v2 HPA when it autoscales and a PodDisruptionBudget when it must
 * keep replicas through voluntary disruptions.
 */
import * as pulumi from "@pulumi/pulumi";
import { Deployment, StatefulSet } from "@pulumi/kubernetes/apps/v1";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2";
import { Service } from "@pulumi/kubernetes/core/v1";
import { Ingress } from "@pulumi/kubernetes/networking/v1";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { ServiceSpec } from "../../platform/model";
import { Labels, objectLabels, selectorLabels } from "./labels";
import { PodPlacement } from "./placement";
import { buildPodSpec } from "./pod-spec";

export type ServiceType = "ClusterIP" | "NodePort" | "LoadBalancer";

export interface PlatformServiceArgs {
  /** The neutral service. */
  service: ServiceSpec;
  instance: string;
  placement: PodPlacement;
  /** The namespace, resolved from its Namespace object so everything here waits for it. */
  namespace: pulumi.Input<string>;
  /** Type of the Service of a service with a public endpoint; internal ones are ClusterIP. Default ClusterIP. */
  serviceType?: ServiceType;
  /** Ingress class and host for a public endpoint. Default class "public" (MicroK8s), any host, no TLS. */
  ingress?: IngressSettings;
  /** Storage class of a stateful service's claim template when its state names none. */
  storageClass: string;
  /** Workloads that must be ready (or finished) before this one starts. */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export function workloadLabels(service: ServiceSpec, instance: string): Labels {
  return objectLabels({ instance, name: service.name, component: service.component });
}

export function podTemplate(labels: Labels, spec: k8s.core.v1.PodSpec): k8s.core.v1.PodTemplateSpec {
  return { metadata: { labels }, spec };
}

export function servicePorts(service: ServiceSpec): k8s.core.v1.ServicePort[] {
  return service.container.ports.map((port) => ({
    name: port.name,
    port: port.port,
    targetPort: port.name,
    protocol: "TCP",
  }));
}

/**
 * Seconds a replica that is being replaced keeps taking requests after Kubernetes removes it from its
 * Service's endpoints: kube-proxy and the ingress controller learn of the removal only after that, and
 * until they do they keep sending it requests, which a replica that already stopped would fail (502s).
 */
export const ENDPOINT_REMOVAL_SECONDS = 5;

/** The pod with every container waiting ENDPOINT_REMOVAL_SECONDS before it is asked to stop. */
function drainedAfterEndpointRemoval(pod: k8s.core.v1.PodSpec): k8s.core.v1.PodSpec {
  const containers = pod.containers as k8s.core.v1.Container[];
  return {
    ...pod,
    containers: containers.map((container) => ({
      ...container,
      // Kubernetes' own sleep action: no shell or sleep binary needed in the image.
      lifecycle: { preStop: { sleep: { seconds: ENDPOINT_REMOVAL_SECONDS } } },
    })),
  };
}

export function deploymentSpec(
  service: ServiceSpec,
  instance: string,
  pod: k8s.core.v1.PodSpec,
): k8s.apps.v1.DeploymentSpec {
  if (service.state) throw new Error(`service "${service.name}" keeps state and must be a StatefulSet`);
  return {
    // The autoscaler owns the count; setting it here would fight it on every apply.
    replicas: service.replicas.mode === "autoscaled" ? undefined : service.replicas.count,
    selector: { matchLabels: selectorLabels({ instance, name: service.name }) },
    strategy: service.zeroDowntimeUpdates
      ? { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
      : { type: "Recreate" },
    revisionHistoryLimit: 5,
    template: podTemplate(
      workloadLabels(service, instance),
      service.zeroDowntimeUpdates ? drainedAfterEndpointRemoval(pod) : pod,
    ),
  };
}

export function statefulSetSpec(
  service: ServiceSpec,
  instance: string,
  pod: k8s.core.v1.PodSpec,
  storageClass: string,
): k8s.apps.v1.StatefulSetSpec {
  const state = service.state;
  if (!state) throw new Error(`service "${service.name}" keeps no state and must be a Deployment`);
  if (service.replicas.mode === "autoscaled")
    throw new Error(`service "${service.name}" keeps state and cannot autoscale`);
  return {
    serviceName: service.name,
    replicas: service.replicas.count,
    selector: { matchLabels: selectorLabels({ instance, name: service.name }) },
    podManagementPolicy: "OrderedReady",
    updateStrategy: { type: "RollingUpdate" },
    // Deleting or scaling down the StatefulSet must never take its data with it.
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
    revisionHistoryLimit: 5,
    template: podTemplate(workloadLabels(service, instance), pod),
    volumeClaimTemplates: [
      {
        metadata: { name: state.volume, labels: objectLabels({ instance, name: service.name, component: "storage" }) },
        spec: {
          accessModes: [state.accessMode],
          storageClassName: state.storageClass ?? storageClass,
          resources: { requests: { storage: state.size } },
        },
      },
    ],
  };
}

/** The in-cluster Service: every port, reachable from pods only (what the network policies admit). */
export function serviceSpec(service: ServiceSpec, instance: string): k8s.core.v1.ServiceSpec {
  const selector = selectorLabels({ instance, name: service.name });
  if (service.state) {
    // Headless: the StatefulSet's pods get stable DNS names, and the service name resolves to them.
    return { clusterIP: "None", selector, ports: servicePorts(service) };
  }
  return { type: "ClusterIP", selector, ports: servicePorts(service) };
}

/**
 * With kubernetes.serviceType NodePort or LoadBalancer, a second Service
 * publishes the public endpoint's port alone: a node port is opened for every
 * port of a Service, and internal ports (serving's model intake) must not get one.
 */
export function publicServiceSpec(service: ServiceSpec, instance: string, type: ServiceType): k8s.core.v1.ServiceSpec {
  const endpoint = service.publicEndpoint;
  if (!endpoint) throw new Error(`service "${service.name}" has no public endpoint`);
  if (type === "ClusterIP") throw new Error(`service "${service.name}": a ClusterIP Service publishes nothing`);
  return {
    type,
    selector: selectorLabels({ instance, name: service.name }),
    ports: servicePorts(service).filter((port) => port.name === endpoint.port),
  };
}

export const publicServiceName = (service: ServiceSpec) => `${service.name}-public`;

export interface IngressSettings {
  className: string;
  /** Empty answers any host. */
  host: string;
  /** A kubernetes.io/tls Secret for the host; set, the Ingress serves HTTPS. */
  tlsSecretName?: string;
}

export function ingressSpec(service: ServiceSpec, ingress: IngressSettings): k8s.networking.v1.IngressSpec {
  const endpoint = service.publicEndpoint;
  if (!endpoint) throw new Error(`service "${service.name}" has no public endpoint`);
  if (ingress.tlsSecretName && ingress.host === "")
    throw new Error(`service "${service.name}": TLS needs the host name its certificate names`);
  return {
    ingressClassName: ingress.className,
    tls: ingress.tlsSecretName ? [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] : undefined,
    rules: [
      {
        host: ingress.host === "" ? undefined : ingress.host,
        http: {
          paths: [
            {
              path: endpoint.pathPrefix,
              pathType: "Prefix",
              backend: { service: { name: service.name, port: { name: endpoint.port } } },
            },
          ],
        },
      },
    ],
  };
}

export function autoscalerSpec(service: ServiceSpec): k8s.autoscaling.v2.HorizontalPodAutoscalerSpec {
  const scaling = service.replicas;
  if (scaling.mode !== "autoscaled") throw new Error(`service "${service.name}" does not autoscale`);
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: service.name },
    minReplicas: scaling.min,
    maxReplicas: scaling.max,
    metrics: [
      {
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: scaling.cpuTargetPercent } },
      },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: scaling.scaleDownStabilizationSeconds } },
  };
}

/**
 * Keeps service.minAvailable replicas through a drain, but never all of the
 * fewest the service runs with: a budget that asks for every replica (an HPA
 * of 1..1, or 1..N while it sits at 1) lets no drain finish. Then one replica
 * may go at a time instead.
 */
export function disruptionBudgetSpec(service: ServiceSpec, instance: string): k8s.policy.v1.PodDisruptionBudgetSpec {
  if (service.minAvailable === undefined) throw new Error(`service "${service.name}" sets no minAvailable`);
  const fewest = service.replicas.mode === "autoscaled" ? service.replicas.min : service.replicas.count;
  const keep = Math.min(service.minAvailable, fewest - 1);
  return {
    ...(keep >= 1 ? { minAvailable: keep } : { maxUnavailable: 1 }),
    selector: { matchLabels: selectorLabels({ instance, name: service.name }) },
    // A crash-looping pod must not block a node drain.
    unhealthyPodEvictionPolicy: "AlwaysAllow",
  };
}

export class PlatformService extends pulumi.ComponentResource {
  readonly workload: Deployment | StatefulSet;
  readonly service: Service;
  /** The NodePort or LoadBalancer Service of the public endpoint, when kubernetes.serviceType asks for one. */
  readonly publicService?: Service;
  readonly ingress?: Ingress;
  readonly autoscaler?: HorizontalPodAutoscaler;
  readonly disruptionBudget?: PodDisruptionBudget;
  /** The in-cluster Service name. */
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: PlatformServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:Service", name, {}, opts);
    const { service, instance } = args;
    const labels = workloadLabels(service, instance);
    const metadata = { name: service.name, namespace: args.namespace, labels };
    const serviceType = args.serviceType ?? "ClusterIP";

    this.service = new Service(`${name}-service`, { metadata, spec: serviceSpec(service, instance) }, { parent: this });
    this.serviceName = this.service.metadata.name;
    if (service.publicEndpoint && serviceType !== "ClusterIP") {
      this.publicService = new Service(
        `${name}-public-service`,
        {
          metadata: {
            ...metadata,
            name: publicServiceName(service),
            // Without an address provider (MetalLB) a LoadBalancer never gets an address; do not wait for one.
            annotations: serviceType === "LoadBalancer" ? { "pulumi.com/skipAwait": "true" } : undefined,
          },
          spec: publicServiceSpec(service, instance, serviceType),
        },
        { parent: this },
      );
    }

    const state = service.state;
    const pod = buildPodSpec({ name: service.name, spec: service.container }, args.placement, {
      controllerVolumeMounts: state ? [{ name: state.volume, mountPath: state.path }] : undefined,
    });
    const workloadOptions = { parent: this, dependsOn: [this.service, ...(args.dependsOn ?? [])] };
    this.workload = state
      ? new StatefulSet(
          `${name}-statefulset`,
          { metadata, spec: statefulSetSpec(service, instance, pod, args.storageClass) },
          { ...workloadOptions, protect: state.protect, retainOnDelete: state.protect },
        )
      : new Deployment(
          `${name}-deployment`,
          { metadata, spec: deploymentSpec(service, instance, pod) },
          workloadOptions,
        );

    if (service.publicEndpoint) {
      const ingress = args.ingress ?? { className: "public", host: "" };
      this.ingress = new Ingress(
        `${name}-ingress`,
        {
          // Pulumi would wait for the controller to publish an address in the Ingress status; Traefik
          // (MicroK8s' ingress since 1.35) publishes one only when told which address to report, so
          // `pulumi up` would hang for its timeout. What matters is awaited instead: the Ingress is
          // created once the pods behind it are ready (dependsOn the workload, whose rollout Pulumi awaits).
          metadata: { ...metadata, annotations: { "pulumi.com/skipAwait": "true" } },
          spec: ingressSpec(service, ingress),
        },
        { parent: this, dependsOn: [this.service, this.workload] },
      );
    }
    if (service.replicas.mode === "autoscaled") {
      this.autoscaler = new HorizontalPodAutoscaler(
        `${name}-autoscaler`,
        { metadata, spec: autoscalerSpec(service) },
        { parent: this, dependsOn: [this.workload] },
      );
    }
    if (service.minAvailable !== undefined) {
      this.disruptionBudget = new PodDisruptionBudget(
        `${name}-disruption-budget`,
        { metadata, spec: disruptionBudgetSpec(service, instance) },
        { parent: this },
      );
    }

    this.registerOutputs({ serviceName: this.serviceName });
  }
}
