/**
 * Prefect workers of type kubernetes: a Deployment whose pods poll the work
 * pool and start one Job per flow run in the executor namespace. Before a
 * worker starts, an init container writes the pool's base job template (a
 * ConfigMap) to the server, so the pool always runs with the template Pulumi
 * holds. The worker's rights stop at the executor namespace.
 */
import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "@pulumi/kubernetes/apps/v1";
import { Secret, ServiceAccount } from "@pulumi/kubernetes/core/v1";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1";
import { Role, RoleBinding } from "@pulumi/kubernetes/rbac/v1";
import type * as k8s from "@pulumi/kubernetes/types/input";
import { ContainerSpec, ExecutorPoolSpec } from "../../platform/model";
import { registerPoolContainer } from "../../platform/work-pool";
import { SecretValues } from "../secrets";
import { baseJobTemplateBundle, ExecutorLayout, TEMPLATE_FILE } from "./base-job-template";
import { Bundles } from "./bundles";
import { objectLabels, selectorLabels } from "./labels";
import { PodPlacement } from "./placement";
import { buildPodSpec } from "./pod-spec";

export const WORKER_TYPE = "kubernetes";

/**
 * Exactly what Prefect's kubernetes worker needs in the executor namespace
 * (the rules of the official prefect-helm worker chart): watch its pods and
 * their logs and events, and run Jobs. Nothing cluster-wide, no wildcards.
 */
export const EXECUTOR_NAMESPACE_RULES: k8s.rbac.v1.PolicyRule[] = [
  { apiGroups: [""], resources: ["pods", "pods/log", "pods/status", "events"], verbs: ["get", "watch", "list"] },
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
];

/** The worker's own command with the executor type this target runs. */
export function workerContainer(pool: ExecutorPoolSpec): ContainerSpec {
  const command = pool.worker.command ?? [];
  return { ...pool.worker, command: [...command, "--type", WORKER_TYPE] };
}

export interface WorkerPoolArgs {
  /** The neutral executor pool. */
  pool: ExecutorPoolSpec;
  instance: string;
  /** Where the worker runs (the platform namespace). */
  placement: PodPlacement;
  /** The platform namespace, resolved from its Namespace object. */
  namespace: pulumi.Input<string>;
  /** The executor namespace, resolved from its Namespace object. */
  executorNamespace: pulumi.Input<string>;
  /** How executors are laid out in the executor namespace (claims, GPU runtime). */
  executors: ExecutorLayout;
  /** The platform's secret values, for the copies flow runs read in the executor namespace. */
  secretValues: SecretValues;
  /** Workloads that must be ready before the workers start (the server). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class WorkerPool extends pulumi.ComponentResource {
  readonly serviceAccount: ServiceAccount;
  readonly role: Role;
  readonly roleBinding: RoleBinding;
  readonly template: Bundles;
  readonly executorFiles: Bundles;
  /** neutral secret name -> the Secret flow runs read in the executor namespace */
  readonly executorSecrets: Record<string, Secret> = {};
  readonly deployment: Deployment;
  /** With several workers, a drain takes one at a time, so the pool keeps polling. */
  readonly disruptionBudget?: PodDisruptionBudget;

  constructor(name: string, args: WorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:kubernetes:WorkerPool", name, {}, opts);
    const { pool, instance } = args;
    const labels = objectLabels({ instance, name: pool.name, component: pool.component });
    const metadata = { name: pool.name, namespace: args.namespace, labels };

    this.serviceAccount = new ServiceAccount(
      `${name}-service-account`,
      // Only pods that opt in (the workers) get this account's token.
      { metadata, automountServiceAccountToken: false },
      { parent: this },
    );
    const executorMetadata = { name: pool.name, namespace: args.executorNamespace, labels };
    this.role = new Role(
      `${name}-role`,
      { metadata: executorMetadata, rules: EXECUTOR_NAMESPACE_RULES },
      { parent: this },
    );
    this.roleBinding = new RoleBinding(
      `${name}-role-binding`,
      {
        metadata: executorMetadata,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace: args.namespace }],
      },
      { parent: this },
    );

    // The code flow runs load, beside them in the executor namespace (pods mount ConfigMaps of their own namespace only).
    this.executorFiles = new Bundles(
      `${name}-executor-files`,
      { instance, namespace: args.executorNamespace, bundles: pool.executor.bundles },
      { parent: this },
    );

    // What flow runs need of the platform's secrets (the Prefect login), only those keys, beside them:
    // pods read Secrets of their own namespace only.
    const keysBySecret = new Map<string, Set<string>>();
    for (const ref of Object.values(pool.executor.secretEnv))
      keysBySecret.set(ref.secret, (keysBySecret.get(ref.secret) ?? new Set()).add(ref.key));
    for (const [secret, keys] of keysBySecret) {
      const values = args.secretValues[secret];
      if (!values)
        throw new pulumi.ResourceError(`flow runs read platform secret "${secret}", which does not exist`, this);
      this.executorSecrets[secret] = new Secret(
        `${name}-executor-${secret}`,
        {
          // A fixed name, which the job template (a file) refers to; every flow run is a new pod anyway.
          metadata: {
            name: args.executors.secretName(secret),
            namespace: args.executorNamespace,
            labels: objectLabels({ instance, name: secret, component: "secret" }),
          },
          type: "Opaque",
          stringData: Object.fromEntries([...keys].sort().map((key) => [key, values[key]])),
        },
        { parent: this },
      );
    }

    const templateBundle = baseJobTemplateBundle(pool, args.executors);
    this.template = new Bundles(
      `${name}-template`,
      { instance, namespace: args.namespace, bundles: [templateBundle] },
      { parent: this },
    );
    const placement: PodPlacement = {
      ...args.placement,
      bundleConfigMap: (bundle) =>
        bundle.name === templateBundle.name
          ? this.template.configMapName(bundle)
          : args.placement.bundleConfigMap(bundle),
    };

    const pod = buildPodSpec(
      {
        name: pool.name,
        spec: workerContainer(pool),
        extraEnv: [
          // Watch Jobs only where they run; cluster-wide watching would need cluster-wide rights.
          { name: "PREFECT_INTEGRATIONS_KUBERNETES_OBSERVER_NAMESPACES", value: args.executors.executorNamespace },
        ],
      },
      placement,
      {
        serviceAccountName: this.serviceAccount.metadata.name,
        automountServiceAccountToken: true,
        initContainers: [
          {
            name: "register-work-pool",
            spec: registerPoolContainer(pool, WORKER_TYPE, { bundle: templateBundle, file: TEMPLATE_FILE }),
          },
        ],
      },
    );

    this.deployment = new Deployment(
      `${name}-deployment`,
      {
        metadata,
        spec: {
          replicas: pool.replicas,
          selector: { matchLabels: selectorLabels({ instance, name: pool.name }) },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          revisionHistoryLimit: 5,
          template: { metadata: { labels }, spec: pod },
        },
      },
      // The worker starts Jobs as soon as it runs: its rights must exist first.
      {
        parent: this,
        dependsOn: [
          this.roleBinding,
          this.executorFiles,
          ...Object.values(this.executorSecrets),
          ...(args.dependsOn ?? []),
        ],
      },
    );

    if (pool.replicas > 1) {
      this.disruptionBudget = new PodDisruptionBudget(
        `${name}-disruption-budget`,
        {
          metadata,
          spec: {
            maxUnavailable: 1,
            selector: { matchLabels: selectorLabels({ instance, name: pool.name }) },
            unhealthyPodEvictionPolicy: "AlwaysAllow",
          },
        },
        { parent: this },
      );
    }

    this.registerOutputs({});
  }
}
