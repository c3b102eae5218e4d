/**
 * The cluster's certificates, keys and kubeconfigs, made once with openssl
 * and kept in the persistent state, so a restarted cluster trusts the same
 * identities and its service-account tokens stay valid.
 *
 * The set mirrors what kubeadm's `init phase certs all` and `kubeconfig all`
 * produce for a single node: a cluster CA for the API server, the kubelet and
 * the components' client certificates; a separate front-proxy CA for the
 * aggregation layer (metrics-server's APIService), and the service-account
 * signing key pair. etcd listens on loopback only and speaks plain HTTP, so it
 * needs none.
 */
import * as fs from "fs";
import * as path from "path";
import { ensureCached } from "../cache";
import { Log, run } from "../run";
import { API_SERVER_PORT, CLUSTER_DOMAIN, KUBERNETES_SERVICE_IP, NODE_IP, NODE_NAME } from "./layout";

/** Ten years: the cluster lives in a cache, and an expired certificate would only be a puzzling failure. */
const VALID_DAYS = "3650";

interface ClientIdentity {
  /** File stem: <name>.crt, <name>.key, and <name>.kubeconfig when it is a kubeconfig user. */
  name: string;
  commonName: string;
  organization?: string;
  signer: "ca" | "front-proxy-ca";
  kubeconfig: boolean;
}

/**
 * Who talks to whom. The names are the ones the built-in RBAC bindings and authorizers expect: system:masters for
 * the admin and the API server's kubelet client, system:node:<name> in system:nodes for the Node authorizer, and
 * the components' own user names for their default ClusterRoleBindings.
 */
const CLIENTS: ClientIdentity[] = [
  { name: "admin", commonName: "kubernetes-admin", organization: "system:masters", signer: "ca", kubeconfig: true },
  {
    name: "apiserver-kubelet-client",
    commonName: "kube-apiserver-kubelet-client",
    organization: "system:masters",
    signer: "ca",
    kubeconfig: false,
  },
  { name: "controller-manager", commonName: "system:kube-controller-manager", signer: "ca", kubeconfig: true },
  { name: "scheduler", commonName: "system:kube-scheduler", signer: "ca", kubeconfig: true },
  {
    name: "kubelet",
    commonName: `system:node:${NODE_NAME}`,
    organization: "system:nodes",
    signer: "ca",
    kubeconfig: true,
  },
  { name: "kube-proxy", commonName: "system:kube-proxy", signer: "ca", kubeconfig: true },
  { name: "front-proxy-client", commonName: "front-proxy-client", signer: "front-proxy-ca", kubeconfig: false },
];

/** The names the API server's certificate must carry: its Service's, loopback's and the node's. */
const API_SERVER_NAMES = [
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
  `DNS:kubernetes.default.svc.${CLUSTER_DOMAIN}`,
  "DNS:localhost",
  `DNS:${NODE_NAME}`,
  "IP:127.0.0.1",
  `IP:${NODE_IP}`,
  `IP:${KUBERNETES_SERVICE_IP}`,
];

export function apiServerUrl(): string {
  return `https://${NODE_IP}:${API_SERVER_PORT}`;
}

/** Creates the PKI in `dir` unless it is already complete; returns whether it was made now. */
export async function ensurePki(dir: string, log: Log): Promise<boolean> {
  const made = await ensureCached(dir, async (staging) => {
    log(`kubernetes: creating the cluster's certificates in ${dir}`);
    await makeCa(staging, "ca", "kubernetes-ca");
    await makeCa(staging, "front-proxy-ca", "front-proxy-ca");
    await makeKey(staging, "sa");
    await run("openssl", ["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"], { cwd: staging });
    await makeLeaf(staging, "apiserver", "kube-apiserver", undefined, "ca", "serverAuth", API_SERVER_NAMES);
    for (const client of CLIENTS) {
      await makeLeaf(staging, client.name, client.commonName, client.organization, client.signer, "clientAuth");
      if (client.kubeconfig) writeKubeconfig(staging, client.name);
    }
    for (const file of fs.readdirSync(staging)) {
      // Config and CSR scratch files are not part of the PKI.
      if (file.endsWith(".csr") || file.endsWith(".ext")) fs.rmSync(path.join(staging, file));
      else if (file.endsWith(".key") || file.endsWith(".kubeconfig")) fs.chmodSync(path.join(staging, file), 0o600);
    }
  });
  return made;
}

async function makeKey(dir: string, name: string): Promise<void> {
  await run("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", `${name}.key`], {
    cwd: dir,
  });
}

async function makeCa(dir: string, name: string, commonName: string): Promise<void> {
  await makeKey(dir, name);
  await run(
    "openssl",
    [
      "req",
      "-x509",
      "-new",
      "-key",
      `${name}.key`,
      "-subj",
      `/CN=${commonName}`,
      "-days",
      VALID_DAYS,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
      "-out",
      `${name}.crt`,
    ],
    { cwd: dir },
  );
}

async function makeLeaf(
  dir: string,
  name: string,
  commonName: string,
  organization: string | undefined,
  signer: string,
  usage: "serverAuth" | "clientAuth",
  altNames: string[] = [],
): Promise<void> {
  await makeKey(dir, name);
  const subject = `${organization ? `/O=${organization}` : ""}/CN=${commonName}`;
  await run("openssl", ["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], { cwd: dir });
  const extensions = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=${usage}`,
    ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(",")}`] : []),
  ];
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions.join("\n") + "\n");
  await run(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${signer}.crt`,
      "-CAkey",
      `${signer}.key`,
      "-CAcreateserial",
      "-days",
      VALID_DAYS,
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.crt`,
    ],
    { cwd: dir },
  );
}

/** The context every kubeconfig of the cluster selects. */
export const KUBECONFIG_CONTEXT = "ml-platform";

/** A kubeconfig with the CA and the client's certificate embedded, so it can be copied or read as one file. */
function writeKubeconfig(dir: string, name: string): void {
  const data = (file: string): string => fs.readFileSync(path.join(dir, file)).toString("base64");
  const text = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: ml-platform",
    "    cluster:",
    `      server: ${apiServerUrl()}`,
    `      certificate-authority-data: ${data("ca.crt")}`,
    "users:",
    `  - name: ${name}`,
    "    user:",
    `      client-certificate-data: ${data(`${name}.crt`)}`,
    `      client-key-data: ${data(`${name}.key`)}`,
    "contexts:",
    `  - name: ${KUBECONFIG_CONTEXT}`,
    "    context:",
    "      cluster: ml-platform",
    `      user: ${name}`,
    `current-context: ${KUBECONFIG_CONTEXT}`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, `${name}.kubeconfig`), text, { mode: 0o600 });
}
