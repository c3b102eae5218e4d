/**
 * What a user reaches after `pulumi up` on Kubernetes: everything public goes
 * through the one Ingress host.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlatformSpec, PublicEndpoint } from "../../platform/model";
import { WORKLOAD_NAMES } from "../../platform/describe";
import { PlatformEndpoints } from "../target";
import { SCHEDULE_TIME_ZONE } from "./scheduled-job";
import { KubernetesSettings } from "./settings";

/** Where the ingress answers: its host (https with a certificate) when one is set, else the origin of the platform's public URL. */
export function ingressOrigin(spec: PlatformSpec, ingressHost: string, tls = false): string {
  if (ingressHost !== "") return `${tls ? "https" : "http"}://${ingressHost}`;
  const known = spec.services.map((service) => service.publicEndpoint?.url ?? "").find((url) => url !== "");
  if (!known) throw new Error("no public URL to derive the ingress address from; set kubernetes.ingressHost");
  return new URL(known).origin;
}

export function publicUrl(endpoint: PublicEndpoint, origin: string): string {
  if (endpoint.url !== "") return endpoint.url;
  return endpoint.pathPrefix === "/" ? origin : `${origin}${endpoint.pathPrefix}`;
}

export function retrainingSentence(spec: PlatformSpec, namespace: string): string {
  if (spec.schedules.length === 0) return "Scheduled retraining is off (ml-platform:retraining.enabled is false).";
  return spec.schedules
    .map(
      (schedule) =>
        `CronJob "${schedule.name}" in namespace "${namespace}" runs the training job on schedule "${schedule.schedule}" (${SCHEDULE_TIME_ZONE}); ` +
        "a run never starts while the previous one is still going.",
    )
    .join(" ");
}

export function platformEndpoints(
  spec: PlatformSpec,
  settings: KubernetesSettings,
  prefectAuthString: pulumi.Input<string>,
): PlatformEndpoints {
  const origin = ingressOrigin(spec, settings.ingressHost, settings.tlsSecretName !== "");
  const endpointOf = (name: string) => {
    const endpoint = spec.services.find((service) => service.name === name)?.publicEndpoint;
    if (!endpoint) throw new Error(`service "${name}" has no public endpoint`);
    return endpoint;
  };
  const [pool] = spec.executorPools;
  return {
    prefectUiUrl: publicUrl(endpointOf(WORKLOAD_NAMES.server), origin),
    servingUrl: publicUrl(endpointOf(WORKLOAD_NAMES.serving), origin),
    workPool: pool?.workPool ?? "",
    prefectAuthString,
    retraining: retrainingSentence(spec, settings.namespace),
  };
}
