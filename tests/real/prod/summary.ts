import { BalancingFigures } from "../platform-checks";
/** What a prod run measured, as written to out/real/prod/summary.json. */
export interface ProdSummary extends BalancingFigures {
  /** "pulumi": npm run up with the engine built here; "kubectl": the render's manifests applied, when the engine could not be built. */
  deployPath: "pulumi" | "kubectl";
  deployPathReason: string;
  /** The engine's versions as its binaries report them, and the seconds its set-up took (built or cached). */
  engine: { pulumi: string; kubernetesProvider: string; seconds: number; built: boolean } | null;
  /** The first `pulumi up`, and how many resources the stack's state holds after it. */
  pulumiUpSeconds: number | null;
  engineResources: number | null;
  /** Supplied secret values found in plain text in the engine's project, state or output (must be 0). */
  secretsInEngineFiles: number | null;
  kubernetesVersion: string;
  node: string;
  /** Addons as the cluster runs them (DNS, storage, metrics, ingress) and what enforces NetworkPolicies. */
  addons: Record<string, string>;
  networkPolicyEnforcement: string;
  podsReady: number;
  podsTotal: number;
  secondsToReady: number | null;
  flowRunsSubmitted: number;
  flowRunsCompleted: number;
  flowRunsRetried: number;
  /** Jobs the Prefect worker created in the executor namespace for those runs. */
  executorJobsCreated: number;
  /** Finished executor Jobs Kubernetes deleted once their TTL ran out, and that TTL. */
  ttlCleanedJobs: number | null;
  executorJobTtlSeconds: number | null;
  /** Whether the Prefect password appeared in an executor Job's spec (it must come from a Secret). */
  loginInJobSpecs: boolean | null;
  maxConcurrentObserved: number | null;
  maxConcurrentAllowed: number | null;
  flowModelServed: boolean | null;
  flowModelRun: string | null;
  predictionOk: boolean;
  badInputStatus: number | null;
  /** The HPA's current CPU utilisation, read from the metrics API (null: no metrics reached it). */
  hpaCurrentCpuPercent: number | null;
  /** The most serving replicas the autoscaler ran under the suite's load loop, and its bounds. */
  hpaMaxReplicas: number | null;
  hpaBounds: { minReplicas: number; maxReplicas: number } | null;
  /** Back at minReplicas once the load stopped. */
  hpaScaledDown: boolean;
  /** A pod that breaks the restricted profile is refused in both of the platform's namespaces. */
  pssEnforced: boolean;
  /** What Prefect's kubernetes worker needs in the executor namespace that its service account may not do. */
  rbacMissingGrants: string[] | null;
  /** What its service account may do beyond that, among the rights a worker could be given by mistake. */
  rbacExtraGrants: string[] | null;
  /** A run of the retraining CronJob, started by hand, completed. */
  cronJobRunOk: boolean;
  /** `npm run preview` showed serving's changed memory limit before the update (engine path only). */
  previewShowedChange: boolean | null;
  rollingUpdateRequests: number;
  rollingUpdateFailures: number | null;
  badConfigObjectsCreated: number | null;
  /** Resources the engine's state held after `npm run up` of the broken stack config (the Stack itself aside). */
  badConfigEngineResources: number | null;
  dataKeptAcrossRedeploy: boolean;
  endpoints: { prefectApi: string; serving: string; ingress: string };
  /** With --keep: the cluster's admin kubeconfig and the kubectl built for it, to reach the kept platform. */
  kubeconfig?: string;
  kubectl?: string;
  setup: {
    seconds?: number;
    images?: { built: string[]; reused: string[]; imported: string[]; seconds: number };
    cluster?: { version: string; seconds: number };
    addons?: { seconds: number };
  };
}

export function emptySummary(): ProdSummary {
  return {
    deployPath: "pulumi",
    deployPathReason:
      "npm run up -- prod (the Automation API command, program inline) with the Pulumi CLI and the Kubernetes provider built from their Go modules; the stack supplies its three secrets (providedSecrets), because the random provider's plugin cannot be built here: the Go module proxy refuses github.com/pulumi/pulumi-random/provider/v4 (403, 'This module version is not available'; its upstream needs pulumi-terraform-bridge >= 3.135, the proxy lists up to 3.120)",
    engine: null,
    pulumiUpSeconds: null,
    engineResources: null,
    secretsInEngineFiles: null,
    kubernetesVersion: "",
    node: "",
    addons: {},
    networkPolicyEnforcement: "",
    podsReady: 0,
    podsTotal: 0,
    secondsToReady: null,
    flowRunsSubmitted: 0,
    flowRunsCompleted: 0,
    flowRunsRetried: 0,
    executorJobsCreated: 0,
    ttlCleanedJobs: null,
    executorJobTtlSeconds: null,
    loginInJobSpecs: null,
    maxConcurrentObserved: null,
    maxConcurrentAllowed: null,
    flowModelServed: null,
    flowModelRun: null,
    predictionOk: false,
    badInputStatus: null,
    servingReplicas: 0,
    servingReplicasReached: 0,
    hpaCurrentCpuPercent: null,
    hpaMaxReplicas: null,
    hpaBounds: null,
    hpaScaledDown: false,
    pssEnforced: false,
    rbacMissingGrants: null,
    rbacExtraGrants: null,
    cronJobRunOk: false,
    previewShowedChange: null,
    rollingUpdateRequests: 0,
    rollingUpdateFailures: null,
    badConfigObjectsCreated: null,
    badConfigEngineResources: null,
    dataKeptAcrossRedeploy: false,
    endpoints: { prefectApi: "", serving: "", ingress: "" },
    setup: {},
  };
}
