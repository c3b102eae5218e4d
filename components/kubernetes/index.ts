/**
 * The Kubernetes target (stack prod, MicroK8s): the neutral platform as
 * Deployments, a StatefulSet, Jobs, a CronJob, an HPA, Secrets, RBAC and
 * NetworkPolicies, all through one explicit provider.
 */
import { DeployPlatform } from "../target";
import { KubernetesPlatform } from "./platform";
import { KubernetesSettings } from "./settings";

export const deployPlatform: DeployPlatform<KubernetesSettings> = (name, args, opts) =>
  new KubernetesPlatform(name, args, opts).endpoints;
