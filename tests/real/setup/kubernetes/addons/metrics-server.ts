/**
 * The `metrics-server` addon: the resource metrics API
 * (v1beta1.metrics.k8s.io) that HorizontalPodAutoscalers and `kubectl top`
 * read, set up as upstream's v0.8.0 components.yaml with
 * --kubelet-insecure-tls, as MicroK8s does: the kubelet serves a self-signed
 * certificate. The API server reaches it through the aggregation layer
 * (front-proxy client certificate, --enable-aggregator-routing).
 */
import type { IAPIService } from "kubernetes-models/apiregistration.k8s.io/v1/APIService";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { IService } from "kubernetes-models/v1/Service";
import { GoToolRecipe } from "../../go-build";
import { addonTag } from "./addon-image";
import { Manifest } from "./kube";
import { addonLabels, clusterIdentity, lockedDown } from "./objects";

export const METRICS_SERVER_VERSION = "v0.8.0";
export const METRICS_SERVER_IMAGE = addonTag("metrics-server", METRICS_SERVER_VERSION);
export const METRICS_NAMESPACE = "kube-system";
export const METRICS_DEPLOYMENT = "metrics-server";
export const METRICS_API_SERVICE = "v1beta1.metrics.k8s.io";

export const METRICS_SERVER_RECIPE: GoToolRecipe = {
  name: "metrics-server",
  module: "sigs.k8s.io/metrics-server",
  version: METRICS_SERVER_VERSION,
  wrapperDir: "tests/real/toolchains/addons/metrics-server",
  packages: [{ pkg: "sigs.k8s.io/metrics-server/cmd/metrics-server", output: "metrics-server" }],
  // Upstream's Makefile stamps the release here; without it the binary calls itself v0.0.0.
  ldflags: ["-s", "-w", "-X", `k8s.io/client-go/pkg/version.gitVersion=${METRICS_SERVER_VERSION}`],
  expectVersion: { output: "metrics-server", args: ["--version"], contains: METRICS_SERVER_VERSION },
};

const ADDON = "metrics-server";
const NAME = "metrics-server";
const labels = addonLabels(ADDON, { "k8s-app": NAME });
const rbac = "rbac.authorization.k8s.io/v1";

export function metricsServerManifests(): Manifest[] {
  const identity = clusterIdentity(ADDON, `system:${NAME}`, METRICS_NAMESPACE, [
    { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
    { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
  ]);
  // The binding's subject is the ServiceAccount `metrics-server`, not one named after the role.
  const [, role, binding] = identity;
  binding.subjects = [{ kind: "ServiceAccount", name: NAME, namespace: METRICS_NAMESPACE }];
  const aggregatedReader: IClusterRole = {
    apiVersion: rbac,
    kind: "ClusterRole",
    metadata: {
      name: "system:aggregated-metrics-reader",
      labels: {
        ...labels,
        "rbac.authorization.k8s.io/aggregate-to-view": "true",
        "rbac.authorization.k8s.io/aggregate-to-edit": "true",
        "rbac.authorization.k8s.io/aggregate-to-admin": "true",
      },
    },
    rules: [{ apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
  };
  // An aggregated API server authenticates the API server's proxied requests and delegates authorization.
  const authReader: IRoleBinding = {
    apiVersion: rbac,
    kind: "RoleBinding",
    metadata: { name: `${NAME}-auth-reader`, namespace: "kube-system", labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" },
    subjects: [{ kind: "ServiceAccount", name: NAME, namespace: METRICS_NAMESPACE }],
  };
  const authDelegator: IClusterRoleBinding = {
    apiVersion: rbac,
    kind: "ClusterRoleBinding",
    metadata: { name: `${NAME}:system:auth-delegator`, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
    subjects: [{ kind: "ServiceAccount", name: NAME, namespace: METRICS_NAMESPACE }],
  };
  const service: IService = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: NAME, namespace: METRICS_NAMESPACE, labels },
    spec: {
      selector: { "k8s-app": NAME },
      ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }],
    },
  };
  const deployment: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: METRICS_DEPLOYMENT, namespace: METRICS_NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { "k8s-app": NAME } },
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: NAME,
          priorityClassName: "system-cluster-critical",
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: NAME,
              image: METRICS_SERVER_IMAGE,
              imagePullPolicy: "Never",
              args: [
                "--cert-dir=/tmp",
                "--secure-port=10250",
                "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                "--kubelet-use-node-status-port",
                "--metric-resolution=15s",
                // The kubelet's serving certificate is self-signed, as on MicroK8s.
                "--kubelet-insecure-tls",
              ],
              ports: [{ name: "https", containerPort: 10250, protocol: "TCP" }],
              resources: { requests: { cpu: "100m", memory: "200Mi" } },
              securityContext: lockedDown(),
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
              readinessProbe: {
                httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" },
                initialDelaySeconds: 20,
                periodSeconds: 10,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: "/livez", port: "https", scheme: "HTTPS" },
                periodSeconds: 10,
                failureThreshold: 3,
              },
            },
          ],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
  const apiService: IAPIService = {
    apiVersion: "apiregistration.k8s.io/v1",
    kind: "APIService",
    metadata: { name: METRICS_API_SERVICE, labels },
    spec: {
      group: "metrics.k8s.io",
      version: "v1beta1",
      groupPriorityMinimum: 100,
      versionPriority: 100,
      // metrics-server's serving certificate is self-signed at start (--cert-dir), as upstream deploys it.
      insecureSkipTLSVerify: true,
      service: { name: NAME, namespace: METRICS_NAMESPACE },
    },
  };
  const serviceAccount = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: NAME, namespace: METRICS_NAMESPACE, labels },
  };
  return [serviceAccount, role, binding, aggregatedReader, authReader, authDelegator, service, deployment, apiService];
}
