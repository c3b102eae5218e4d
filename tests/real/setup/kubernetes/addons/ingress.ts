/**
 * The `ingress` addon: Traefik v3 with the Kubernetes Ingress provider, as
 * MicroK8s 1.35 and later run it: a DaemonSet in namespace `ingress` whose
 * pods take the node's port 80 (hostPort, through the CNI portmap plugin), and
 * the IngressClass `public`.
 *
 * Traefik fills each Ingress's status with the node's address
 * (ingressEndpoint.ip), so tools that wait for an Ingress to get an address
 * (Pulumi's Ingress await) finish; left unset, Traefik publishes nothing and
 * they wait forever.
 *
 * The web UI is not served: Traefik embeds webui/static with go:embed, and
 * the module zip carries only a placeholder file there (the UI is built with
 * Node.js and not part of the Go module), so the dashboard would be empty.
 * The API and dashboard stay off; nothing here needs them.
 */
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IIngressClass } from "kubernetes-models/networking.k8s.io/v1/IngressClass";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import { GoToolRecipe } from "../../go-build";
import { addonTag } from "./addon-image";
import { Manifest } from "./kube";
import { addonLabels, clusterIdentity, lockedDown } from "./objects";

export const TRAEFIK_VERSION = "v3.6.12";
export const TRAEFIK_IMAGE = addonTag("traefik", TRAEFIK_VERSION);
export const INGRESS_NAMESPACE = "ingress";
export const INGRESS_DAEMONSET = "traefik";
export const INGRESS_CLASS = "public";
/** The controller name Traefik's Ingress provider looks for on IngressClasses. */
export const TRAEFIK_CONTROLLER = "traefik.io/ingress-controller";
export const INGRESS_HTTP_PORT = 80;

/**
 * v3.6.12 rather than v3.7.x: v3.7 requires github.com/traefik/traefik/dynamic/ext, which its go.mod replaces with a
 * folder inside the repository that the module zip does not contain, and which the module proxy does not serve.
 */
export const TRAEFIK_RECIPE: GoToolRecipe = {
  name: "traefik",
  module: "github.com/traefik/traefik/v3",
  version: TRAEFIK_VERSION,
  wrapperDir: "tests/real/toolchains/addons/traefik",
  packages: [{ pkg: "github.com/traefik/traefik/v3/cmd/traefik", output: "traefik" }],
  // Upstream's Makefile stamps the release and its codename.
  ldflags: [
    "-s",
    "-w",
    "-X",
    `github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION.slice(1)}`,
    "-X",
    "github.com/traefik/traefik/v3/pkg/version.Codename=ramequin",
  ],
  expectVersion: { output: "traefik", args: ["version"], contains: TRAEFIK_VERSION.slice(1) },
};

const ADDON = "ingress";
const labels = addonLabels(ADDON, { "app.kubernetes.io/name": "traefik" });
/** Inside the pod: unprivileged ports, as Traefik's Helm chart uses; the hostPort maps the node's 80 to web. */
const WEB_PORT = 8000;
const PING_PORT = 9000;

export function traefikArgs(nodeIp: string): string[] {
  return [
    `--entrypoints.web.address=:${WEB_PORT}`,
    `--entrypoints.traefik.address=:${PING_PORT}`,
    "--ping=true",
    "--ping.entrypoint=traefik",
    "--providers.kubernetesingress=true",
    `--providers.kubernetesingress.ingressclass=${INGRESS_CLASS}`,
    `--providers.kubernetesingress.ingressendpoint.ip=${nodeIp}`,
    // Both would call out to the Internet.
    "--global.checknewversion=false",
    "--global.sendanonymoususage=false",
    "--log.level=INFO",
    // The pods' logs are read as files, where colour codes are noise.
    "--log.nocolor=true",
  ];
}

export function ingressManifests(nodeIp: string): Manifest[] {
  const namespace: INamespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: INGRESS_NAMESPACE, labels: { ...labels, "kubernetes.io/metadata.name": INGRESS_NAMESPACE } },
  };
  const ingressClass: IIngressClass = {
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: INGRESS_CLASS, labels },
    spec: { controller: TRAEFIK_CONTROLLER },
  };
  // What the Ingress provider reads (its informers) and writes (Ingress status).
  const identity = clusterIdentity(ADDON, "traefik", INGRESS_NAMESPACE, [
    { apiGroups: [""], resources: ["services", "secrets", "nodes"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "ingressclasses"], verbs: ["get", "list", "watch"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingresses/status"], verbs: ["update"] },
  ]);
  const daemonSet: IDaemonSet = {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: INGRESS_DAEMONSET, namespace: INGRESS_NAMESPACE, labels },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": "traefik" } },
      // A hostPort can be held by one pod at a time: replace, then start.
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: "traefik",
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "traefik",
              image: TRAEFIK_IMAGE,
              imagePullPolicy: "Never",
              args: traefikArgs(nodeIp),
              ports: [
                { name: "web", containerPort: WEB_PORT, hostPort: INGRESS_HTTP_PORT, protocol: "TCP" },
                { name: "traefik", containerPort: PING_PORT, protocol: "TCP" },
              ],
              resources: { requests: { cpu: "50m", memory: "50Mi" }, limits: { memory: "300Mi" } },
              securityContext: lockedDown(),
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              readinessProbe: { httpGet: { path: "/ping", port: PING_PORT }, periodSeconds: 2, failureThreshold: 1 },
              livenessProbe: { httpGet: { path: "/ping", port: PING_PORT }, periodSeconds: 10, failureThreshold: 3 },
            },
          ],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
  return [namespace, ...identity, ingressClass, daemonSet];
}
