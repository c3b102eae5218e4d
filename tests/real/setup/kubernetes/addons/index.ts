/**
 * The addons the prod stack expects of a MicroK8s node (dns, hostpath-storage,
 * metrics-server, ingress), installed on the suite's cluster:
 *
 *   installAddons(cluster, engine, log)   build each addon's image (once per machine), import the images into the
 *                                         node, apply the manifests and wait until every addon is ready
 *
 * Applying is idempotent (server-side apply), so a second call on a running cluster only checks readiness.
 */
import { Engine } from "../../engine";
import { Log } from "../../run";
import { Cluster } from "../cluster";
import { importImages } from "../images";
import { AddonImageSpec, ensureAddonImage } from "./addon-image";
import {
  COREDNS_IMAGE,
  COREDNS_RECIPE,
  COREDNS_VERSION,
  corednsManifests,
  DNS_DEPLOYMENT,
  DNS_NAMESPACE,
} from "./coredns";
import {
  INGRESS_DAEMONSET,
  INGRESS_NAMESPACE,
  ingressManifests,
  TRAEFIK_IMAGE,
  TRAEFIK_RECIPE,
  TRAEFIK_VERSION,
} from "./ingress";
import { apply, kubectl, Manifest, waitForRollout, waitUntil } from "./kube";
import { networkPolicyEnforcement } from "./network-policy";
import {
  METRICS_API_SERVICE,
  METRICS_DEPLOYMENT,
  METRICS_NAMESPACE,
  METRICS_SERVER_IMAGE,
  METRICS_SERVER_RECIPE,
  METRICS_SERVER_VERSION,
  metricsServerManifests,
} from "./metrics-server";
import {
  HOSTPATH_PROVISIONER_IMAGE,
  HOSTPATH_PROVISIONER_RECIPE,
  PROVISIONER_LIBRARY_VERSION,
  STORAGE_DEPLOYMENT,
  STORAGE_NAMESPACE,
  storageManifests,
} from "./storage";

const READY_TIMEOUT_SECONDS = 180;

interface Addon {
  name: string;
  /** What runs it, for the suite's summary: the program and its upstream version. */
  version: string;
  image: AddonImageSpec;
  manifests: (cluster: Cluster) => Manifest[];
  /** The workload whose rollout says the addon is up: namespace and kind/name. */
  workload: [string, string];
}

export const ADDONS: Addon[] = [
  {
    name: "dns",
    version: `CoreDNS ${COREDNS_VERSION}`,
    image: { recipe: COREDNS_RECIPE, context: "coredns", tag: COREDNS_IMAGE },
    manifests: () => corednsManifests(),
    workload: [DNS_NAMESPACE, `deployment/${DNS_DEPLOYMENT}`],
  },
  {
    name: "hostpath-storage",
    version: `microk8s.io/hostpath on sig-storage-lib-external-provisioner ${PROVISIONER_LIBRARY_VERSION}`,
    image: { recipe: HOSTPATH_PROVISIONER_RECIPE, context: "hostpath-provisioner", tag: HOSTPATH_PROVISIONER_IMAGE },
    manifests: () => storageManifests(),
    workload: [STORAGE_NAMESPACE, `deployment/${STORAGE_DEPLOYMENT}`],
  },
  {
    name: "metrics-server",
    version: `metrics-server ${METRICS_SERVER_VERSION}`,
    image: { recipe: METRICS_SERVER_RECIPE, context: "metrics-server", tag: METRICS_SERVER_IMAGE },
    manifests: () => metricsServerManifests(),
    workload: [METRICS_NAMESPACE, `deployment/${METRICS_DEPLOYMENT}`],
  },
  {
    name: "ingress",
    version: `Traefik ${TRAEFIK_VERSION}`,
    image: { recipe: TRAEFIK_RECIPE, context: "traefik", tag: TRAEFIK_IMAGE },
    manifests: (cluster) => ingressManifests(cluster.nodeIp),
    workload: [INGRESS_NAMESPACE, `daemonset/${INGRESS_DAEMONSET}`],
  },
];

export interface AddonImages {
  /** The addon images, and which of them this call built. */
  images: string[];
  built: string[];
  seconds: number;
}

export interface AddonsInstall extends AddonImages {
  /** Addon name -> what runs it, e.g. dns -> "CoreDNS v1.14.7". */
  versions: Record<string, string>;
  /** What enforces NetworkPolicies on this cluster: nothing, and why (network-policy.ts). */
  networkPolicyEnforcement: string;
}

/** Builds (when missing) and imports the addons' images. Go builds run one after another: each takes all cores. */
export async function ensureAddonImages(cluster: Cluster, engine: Engine, log: Log): Promise<AddonImages> {
  const started = Date.now();
  const built: string[] = [];
  for (const addon of ADDONS) {
    const image = await ensureAddonImage(engine, addon.image, log);
    if (image.built) built.push(image.tag);
  }
  const images = ADDONS.map((addon) => addon.image.tag);
  await importImages(cluster, engine, images, log);
  return { images, built, seconds: (Date.now() - started) / 1000 };
}

export async function installAddons(cluster: Cluster, engine: Engine, log: Log): Promise<AddonsInstall> {
  const started = Date.now();
  const images = await ensureAddonImages(cluster, engine, log);
  for (const addon of ADDONS) {
    log(`addons: applying ${addon.name}`);
    await apply(cluster, addon.manifests(cluster), log);
  }
  for (const addon of ADDONS) {
    const [namespace, workload] = addon.workload;
    await waitForRollout(cluster, namespace, workload, READY_TIMEOUT_SECONDS);
    log(`addons: ${addon.name} ready (${namespace} ${workload})`);
  }
  // Ready pods are not enough for HPAs: the API server must have found the aggregated API.
  await waitUntil(`APIService ${METRICS_API_SERVICE}`, READY_TIMEOUT_SECONDS, async () => {
    const jsonPath = '{.status.conditions[?(@.type=="Available")].status}';
    const status = await kubectl(cluster, ["get", "apiservice", METRICS_API_SERVICE, "-o", `jsonpath=${jsonPath}`]);
    if (status.trim() === "True") return true;
    throw new Error(await kubectl(cluster, ["get", "apiservice", METRICS_API_SERVICE, "-o", "jsonpath={.status}"]));
  });
  const seconds = (Date.now() - started) / 1000;
  log(`addons: all ready in ${seconds.toFixed(0)}s`);
  return {
    ...images,
    seconds,
    versions: Object.fromEntries(ADDONS.map((addon) => [addon.name, addon.version])),
    networkPolicyEnforcement: await networkPolicyEnforcement(log),
  };
}
