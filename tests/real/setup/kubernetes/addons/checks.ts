/**
 * Proves each addon works on the live cluster, the way the prod stack will use
 * it, in a throw-away namespace:
 *
 *   dns        a pod resolves cluster names (full and through its search path), and an outside name fails at once
 *   storage    a claim on microk8s-hostpath waits for its consumer, then binds; a non-root pod writes to it; deleting
 *              the claim deletes the volume and its folder (reclaim Delete)
 *   metrics    `kubectl top node` answers through the metrics API
 *   ingress    an Ingress of class `public` gets the node's address in its status, and HTTP to <node IP>:80 with its
 *              Host header reaches the backend, while another Host gets Traefik's 404
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IPod } from "kubernetes-models/v1/Pod";
import type { IService } from "kubernetes-models/v1/Service";
import { ensureBaseImage } from "../../base-image";
import { Engine } from "../../engine";
import { Log } from "../../run";
import { Cluster } from "../cluster";
import { importImages } from "../images";
import { KUBERNETES_SERVICE_IP, CLUSTER_DNS_IP } from "../layout";
import { INGRESS_CLASS, INGRESS_HTTP_PORT, TRAEFIK_IMAGE } from "./ingress";
import { apply, kubectl, waitUntil } from "./kube";
import { hostpathStorageDir, STORAGE_CLASS } from "./storage";
import { lockedDown } from "./objects";

const NAMESPACE = "addons-check";
const CLAIM = "probe-data";
const PROBE_POD = "probe";
const ECHO = "echo";
const ECHO_HOST = "addons-check.ml-platform.test";
const PROBE_USER = 1000;
const TIMEOUT_SECONDS = 120;

export interface AddonChecks {
  dns: string[];
  storage: string[];
  metrics: string[];
  ingress: string[];
}

export async function checkAddons(cluster: Cluster, engine: Engine, log: Log): Promise<AddonChecks> {
  // A shell for the probe pod: the suite's Debian base (getent, coreutils).
  const base = await ensureBaseImage(engine, log);
  await importImages(cluster, engine, [base.tag], log);
  await kubectl(cluster, ["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=true"], {
    timeoutSeconds: 120,
  });
  const namespace: INamespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } };
  await apply(cluster, [namespace], log);
  try {
    const storage = await checkClaimWaitsForConsumer(cluster, log);
    const probe = await runProbePod(cluster, base.tag, log);
    storage.push(...(await checkVolume(cluster, probe.storage)));
    const metrics = await checkMetrics(cluster);
    const ingress = await checkIngress(cluster, log);
    storage.push(...(await checkVolumeDeleted(cluster, log)));
    return { dns: probe.dns, storage, metrics, ingress };
  } finally {
    await kubectl(cluster, ["delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false"]).catch(
      () => undefined,
    );
  }
}

async function checkClaimWaitsForConsumer(cluster: Cluster, log: Log): Promise<string[]> {
  const claim: IPersistentVolumeClaim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: CLAIM, namespace: NAMESPACE },
    spec: {
      storageClassName: STORAGE_CLASS,
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "16Mi" } },
    },
  };
  await apply(cluster, [claim], log);
  // WaitForFirstConsumer: without a pod the claim stays Pending, and says why.
  let events = "";
  await waitUntil(`claim ${CLAIM} reports WaitForFirstConsumer`, 30, async () => {
    events = await kubectl(cluster, [
      "get",
      "events",
      "--namespace",
      NAMESPACE,
      "--field-selector",
      `involvedObject.name=${CLAIM}`,
      "-o",
      "jsonpath={.items[*].reason}",
    ]);
    return events.includes("WaitForFirstConsumer");
  });
  const phase = await jsonPath(cluster, ["pvc", CLAIM], "{.status.phase}");
  if (phase !== "Pending") throw new Error(`storage: claim ${CLAIM} is ${phase} before any pod uses it`);
  return [`claim Pending without a consumer (events: ${events.trim()})`];
}

interface ProbeResult {
  dns: string[];
  storage: string;
}

/** One non-root pod: DNS lookups, then a write to the claim. Its log lines are the findings. */
async function runProbePod(cluster: Cluster, image: string, log: Log): Promise<ProbeResult> {
  const script = [
    "set -eu",
    // Full name, then a short one that only the search path completes.
    "echo dns kubernetes.default.svc.cluster.local $(getent hosts kubernetes.default.svc.cluster.local | cut -d' ' -f1)",
    "echo dns kube-dns.kube-system $(getent hosts kube-dns.kube-system | cut -d' ' -f1)",
    "start=$(date +%s%N)",
    "if getent hosts example.com; then echo 'external name resolved'; exit 1; fi",
    "echo dns-external example.com not-found $(( ($(date +%s%N) - start) / 1000000 ))ms",
    "echo written-by-uid-$(id -u) > /data/probe.txt",
    "echo storage $(stat -c '%a %u:%g' /data) $(cat /data/probe.txt)",
  ].join("\n");
  const pod: IPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: PROBE_POD, namespace: NAMESPACE },
    spec: {
      restartPolicy: "Never",
      securityContext: {
        runAsNonRoot: true,
        runAsUser: PROBE_USER,
        runAsGroup: PROBE_USER,
        fsGroup: PROBE_USER,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "probe",
          image,
          imagePullPolicy: "Never",
          command: ["/bin/sh", "-c", script],
          securityContext: lockedDown(),
          volumeMounts: [{ name: "data", mountPath: "/data" }],
        },
      ],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: CLAIM } }],
    },
  };
  await apply(cluster, [pod], log);
  await waitUntil(`pod ${PROBE_POD} finishes`, TIMEOUT_SECONDS, async () => {
    const phase = await jsonPath(cluster, ["pod", PROBE_POD], "{.status.phase}");
    if (phase === "Failed") throw new Error(`pod ${PROBE_POD} failed:\n${await podLog(cluster, PROBE_POD)}`);
    return phase === "Succeeded";
  }).catch(async (error: unknown) => {
    const describe = await kubectl(cluster, ["describe", "pod", PROBE_POD, "--namespace", NAMESPACE]).catch(() => "");
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n${describe.split("\n").slice(-15).join("\n")}`,
    );
  });
  const lines = (await podLog(cluster, PROBE_POD)).trim().split("\n");
  const dns = lines.filter((line) => line.startsWith("dns"));
  expectLine(dns, `dns kubernetes.default.svc.cluster.local ${KUBERNETES_SERVICE_IP}`);
  expectLine(dns, `dns kube-dns.kube-system ${CLUSTER_DNS_IP}`);
  const storage = lines.find((line) => line.startsWith("storage "));
  if (!storage?.endsWith(`written-by-uid-${PROBE_USER}`))
    throw new Error(`storage: the probe wrote nothing: ${lines.join(" | ")}`);
  return { dns, storage };
}

/** The claim is Bound to a volume whose folder is under the provisioner's root and holds what the pod wrote. */
async function checkVolume(cluster: Cluster, probeLine: string): Promise<string[]> {
  const phase = await jsonPath(cluster, ["pvc", CLAIM], "{.status.phase}");
  const volume = await jsonPath(cluster, ["pvc", CLAIM], "{.spec.volumeName}");
  if (phase !== "Bound") throw new Error(`storage: claim ${CLAIM} is ${phase} after its pod ran`);
  const folder = await kubectl(cluster, ["get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}"]);
  if (path.dirname(folder) !== hostpathStorageDir()) throw new Error(`storage: volume ${volume} is at ${folder}`);
  const written = fs.readFileSync(path.join(folder, "probe.txt"), "utf8").trim();
  return [`claim Bound to ${volume} at ${folder}`, `pod as uid ${PROBE_USER}: ${probeLine}`, `node sees: ${written}`];
}

async function checkVolumeDeleted(cluster: Cluster, log: Log): Promise<string[]> {
  const volume = await jsonPath(cluster, ["pvc", CLAIM], "{.spec.volumeName}");
  const folder = await kubectl(cluster, ["get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}"]);
  await kubectl(cluster, ["delete", "pod", PROBE_POD, "--namespace", NAMESPACE, "--wait=true"], { timeoutSeconds: 90 });
  await kubectl(cluster, ["delete", "pvc", CLAIM, "--namespace", NAMESPACE, "--wait=true"], { timeoutSeconds: 90 });
  await waitUntil(`volume ${volume} deleted`, 60, async () => {
    const left = await kubectl(cluster, ["get", "pv", volume, "--ignore-not-found", "-o", "name"]);
    return left.trim() === "" && !fs.existsSync(folder);
  });
  log(`addons: volume ${volume} and ${folder} deleted with the claim`);
  return [`claim deleted: volume ${volume} and its folder are gone`];
}

async function checkMetrics(cluster: Cluster): Promise<string[]> {
  let top = "";
  // metrics-server needs a scrape or two (15 s resolution) after it starts before it has numbers.
  await waitUntil("kubectl top node", TIMEOUT_SECONDS, async () => {
    top = await kubectl(cluster, ["top", "node", cluster.nodeName, "--no-headers"]);
    return top.trim() !== "";
  });
  const raw = await kubectl(cluster, ["get", "--raw", `/apis/metrics.k8s.io/v1beta1/nodes/${cluster.nodeName}`]);
  const usage = (JSON.parse(raw) as { usage?: { cpu?: string; memory?: string } }).usage;
  return [`kubectl top node: ${top.trim().replace(/\s+/g, " ")}`, `metrics API usage: ${JSON.stringify(usage)}`];
}

/** A backend that answers HTTP: Traefik's own image, whose ping endpoint replies "OK". */
function echoManifests(): [IDeployment, IService, IIngress] {
  const labels = { app: ECHO };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: ECHO, namespace: NAMESPACE },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: ECHO,
                image: TRAEFIK_IMAGE,
                imagePullPolicy: "Never",
                args: [
                  "--entrypoints.web.address=:8080",
                  "--ping=true",
                  "--ping.entrypoint=web",
                  "--global.checknewversion=false",
                  "--global.sendanonymoususage=false",
                ],
                ports: [{ name: "http", containerPort: 8080 }],
                readinessProbe: { httpGet: { path: "/ping", port: 8080 }, periodSeconds: 2 },
                securityContext: lockedDown(),
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: ECHO, namespace: NAMESPACE },
      spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: ECHO, namespace: NAMESPACE },
      spec: {
        ingressClassName: INGRESS_CLASS,
        rules: [
          {
            host: ECHO_HOST,
            http: {
              paths: [
                { path: "/ping", pathType: "Prefix", backend: { service: { name: ECHO, port: { name: "http" } } } },
              ],
            },
          },
        ],
      },
    },
  ];
}

async function checkIngress(cluster: Cluster, log: Log): Promise<string[]> {
  await apply(cluster, echoManifests(), log);
  await kubectl(cluster, ["rollout", "status", "--namespace", NAMESPACE, `deployment/${ECHO}`, "--timeout=90s"], {
    timeoutSeconds: 100,
  });
  let address = "";
  await waitUntil(`Ingress ${ECHO} status`, 60, async () => {
    address = await jsonPath(cluster, ["ingress", ECHO], "{.status.loadBalancer.ingress[0].ip}");
    return address !== "";
  });
  if (address !== cluster.nodeIp) throw new Error(`ingress: status names ${address}, not the node ${cluster.nodeIp}`);
  let answer = { status: 0, body: "" };
  // Traefik picks up the new router within its throttle (about 2 s).
  await waitUntil(`GET http://${cluster.nodeIp}:${INGRESS_HTTP_PORT}/ping (Host ${ECHO_HOST})`, 60, async () => {
    answer = await get(cluster.nodeIp, INGRESS_HTTP_PORT, "/ping", ECHO_HOST);
    if (answer.status === 200 && answer.body.trim() === "OK") return true;
    throw new Error(`HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
  });
  const other = await get(cluster.nodeIp, INGRESS_HTTP_PORT, "/ping", "unknown.ml-platform.test");
  if (other.status !== 404) throw new Error(`ingress: an unknown Host got HTTP ${other.status}, not 404`);
  return [
    `Ingress status: loadBalancer.ingress[0].ip = ${address}`,
    `GET http://${cluster.nodeIp}/ping Host ${ECHO_HOST}: HTTP ${answer.status} "${answer.body.trim()}"`,
    `GET http://${cluster.nodeIp}/ping Host unknown.ml-platform.test: HTTP ${other.status}`,
  ];
}

function get(
  host: string,
  port: number,
  urlPath: string,
  hostHeader: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host, port, path: urlPath, headers: { Host: hostHeader }, timeout: 5000 },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", reject);
    request.end();
  });
}

async function jsonPath(cluster: Cluster, object: string[], expression: string): Promise<string> {
  return (await kubectl(cluster, ["get", ...object, "--namespace", NAMESPACE, "-o", `jsonpath=${expression}`])).trim();
}

async function podLog(cluster: Cluster, pod: string): Promise<string> {
  return kubectl(cluster, ["logs", pod, "--namespace", NAMESPACE]);
}

function expectLine(lines: string[], expected: string): void {
  if (!lines.includes(expected))
    throw new Error(`dns: expected "${expected}", the probe printed: ${lines.join(" | ")}`);
}
