/** The ml-platform guardrails, in the order a report lists them. */
import { containerResourceLimits } from "./container-resource-limits";
import { hpaConsistent } from "./hpa-consistent";
import { imagesPinned } from "./images-pinned";
import { kubernetesWorkerImage } from "./kubernetes-worker-image";
import { Rule } from "./model";
import { noDockerSocket } from "./no-docker-socket";
import { noHostNamespaces } from "./no-host-namespaces";
import { noHostPathVolumes } from "./no-host-path-volumes";
import { noPlaintextSecrets } from "./no-plaintext-secrets";
import { noPrivilegedContainers } from "./no-privileged-containers";
import { noUnapprovedLoadBalancer } from "./no-unapproved-load-balancer";
import { podSecurityRestricted } from "./pod-security-restricted";
import { rbacLeastPrivilege } from "./rbac-least-privilege";
import { replicatedServiceAvailability } from "./replicated-service-availability";
import { statefulStorageProtected } from "./stateful-storage-protected";

export const RULES: readonly Rule[] = [
  containerResourceLimits,
  noPrivilegedContainers,
  noHostNamespaces,
  noHostPathVolumes,
  noDockerSocket,
  podSecurityRestricted,
  imagesPinned,
  kubernetesWorkerImage,
  noPlaintextSecrets,
  rbacLeastPrivilege,
  replicatedServiceAvailability,
  hpaConsistent,
  statefulStorageProtected,
  noUnapprovedLoadBalancer,
];

export * from "./model";
