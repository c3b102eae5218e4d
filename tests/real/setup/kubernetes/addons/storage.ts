/**
 * The `hostpath-storage` addon: the StorageClass `microk8s-hostpath`
 * (WaitForFirstConsumer, reclaim Delete, the default class) served by a
 * provisioner named microk8s.io/hostpath, as on MicroK8s.
 *
 * Why not the controller-manager's in-tree kubernetes.io/host-path
 * provisioner, which the cluster also runs: it makes every volume a root-owned
 * folder with mode 0750 (k8s.io/kubernetes pkg/volume/hostpath), and a
 * hostPath volume ignores the pod's fsGroup, so the prod stack's pods, which
 * run as non-root users, could not write to their claims. Tried on the suite's
 * cluster: with WaitForFirstConsumer it does wait for the pod and then binds,
 * but a pod running as uid 1000 with fsGroup 1000 got "Permission denied"
 * writing to the 0750 root:root folder. MicroK8s's
 * provisioner makes world-writable folders; so does the one built here
 * (tests/real/toolchains/addons/hostpath-provisioner).
 */
import * as path from "path";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IStorageClass } from "kubernetes-models/storage.k8s.io/v1/StorageClass";
import { GoToolRecipe } from "../../go-build";
import { clusterLayout } from "../layout";
import { addonTag } from "./addon-image";
import { Manifest } from "./kube";
import { addonLabels, clusterIdentity, lockedDown } from "./objects";

export const STORAGE_CLASS = "microk8s-hostpath";
export const HOSTPATH_PROVISIONER = "microk8s.io/hostpath";
/** The external provisioner library the program is built on; the image is tagged with its version. */
export const PROVISIONER_LIBRARY_VERSION = "v13.1.0";
export const HOSTPATH_PROVISIONER_IMAGE = addonTag("hostpath-provisioner", PROVISIONER_LIBRARY_VERSION);
export const STORAGE_NAMESPACE = "kube-system";
export const STORAGE_DEPLOYMENT = "hostpath-provisioner";

export const HOSTPATH_PROVISIONER_RECIPE: GoToolRecipe = {
  name: "hostpath-provisioner",
  module: "sigs.k8s.io/sig-storage-lib-external-provisioner/v13",
  version: PROVISIONER_LIBRARY_VERSION,
  wrapperDir: "tests/real/toolchains/addons/hostpath-provisioner",
  packages: [{ pkg: ".", output: "hostpath-provisioner" }],
  ldflags: ["-s", "-w"],
};

const ADDON = "hostpath-storage";
const labels = addonLabels(ADDON, { "k8s-app": "hostpath-provisioner" });

/**
 * Where volumes live on the node: in the cluster's persistent state, so a kept platform's data survives a
 * cluster restart (MicroK8s: /var/snap/microk8s/common/default-storage).
 */
export function hostpathStorageDir(): string {
  return path.join(clusterLayout().state, "default-storage");
}

export function storageManifests(): Manifest[] {
  const root = hostpathStorageDir();
  const storageClass: IStorageClass = {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: STORAGE_CLASS,
      labels,
      // MicroK8s makes it the default class; claims that name no class land here too.
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: HOSTPATH_PROVISIONER,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  };
  const deployment: IDeployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: STORAGE_DEPLOYMENT, namespace: STORAGE_NAMESPACE, labels },
    spec: {
      replicas: 1,
      // Never two at once: both would answer the same claim.
      strategy: { type: "Recreate" },
      selector: { matchLabels: { "k8s-app": "hostpath-provisioner" } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: STORAGE_DEPLOYMENT,
          priorityClassName: "system-cluster-critical",
          containers: [
            {
              name: "hostpath-provisioner",
              image: HOSTPATH_PROVISIONER_IMAGE,
              imagePullPolicy: "Never",
              env: [
                { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                { name: "PV_DIR", value: root },
              ],
              resources: { requests: { cpu: "10m", memory: "20Mi" }, limits: { memory: "100Mi" } },
              // Root, to create folders and to delete whatever the volume's non-root users left in them.
              securityContext: {
                ...lockedDown(["DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER"]),
                runAsUser: 0,
                runAsGroup: 0,
              },
              volumeMounts: [{ name: "volumes", mountPath: root }],
            },
          ],
          volumes: [{ name: "volumes", hostPath: { path: root, type: "DirectoryOrCreate" } }],
        },
      },
    },
  };
  const identity = clusterIdentity(ADDON, STORAGE_DEPLOYMENT, STORAGE_NAMESPACE, [
    { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "delete"] },
    { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update"] },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch", "list", "watch"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
  ]);
  return [...identity, storageClass, deployment];
}
