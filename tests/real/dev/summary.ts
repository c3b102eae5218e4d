import { BalancingFigures } from "../platform-checks";
/** What a dev run measured, as written to out/real/dev/summary.json. */
export interface DevSummary extends BalancingFigures {
  /** "compose": the render's compose.yaml run by Compose v2 (see scenario.ts for why not "pulumi"). */
  deployPath: "pulumi" | "compose";
  deployPathReason: string;
  dockerHost: string;
  engineVersion: string;
  containersHealthy: number;
  containersTotal: number;
  secondsToHealthy: number | null;
  flowRunsSubmitted: number;
  flowRunsCompleted: number;
  /** Completed runs that Prefect had to start again (see flows/fan_out.py). */
  flowRunsRetried: number;
  maxConcurrentObserved: number | null;
  maxConcurrentAllowed: number | null;
  flowModelServed: boolean | null;
  flowModelRun: string | null;
  retrainingDeployment: { schedule: string; concurrencyLimit: number | null; runCompleted: boolean };
  /** Schedules of the shared table that Prefect's cron refused or did not fire where cron says (empty: parity). */
  cronDisagreements: string[] | null;
  predictionOk: boolean;
  badInputStatus: number | null;
  rollingUpdateRequests: number;
  rollingUpdateFailures: number | null;
  badConfigContainersCreated: number | null;
  dataKeptAcrossRedeploy: boolean;
  endpoints: { prefectApi: string; serving: string };
  setup: {
    seconds?: number;
    images?: { built: string[]; reused: string[]; seconds: number };
    compose?: { version: string; built: boolean; seconds: number };
  };
}

export function emptySummary(): DevSummary {
  return {
    deployPath: "compose",
    deployPathReason:
      "no Pulumi Docker provider plugin can be had here: the Go module proxy refuses github.com/pulumi/pulumi-docker/provider/v4 (403, 'This module version is not available'), and its go.mod replaces its Terraform upstream with a git submodule; the render's compose.yaml carries the same provider inputs",
    dockerHost: "",
    engineVersion: "",
    containersHealthy: 0,
    containersTotal: 0,
    secondsToHealthy: null,
    flowRunsSubmitted: 0,
    flowRunsCompleted: 0,
    flowRunsRetried: 0,
    maxConcurrentObserved: null,
    maxConcurrentAllowed: null,
    flowModelServed: null,
    flowModelRun: null,
    retrainingDeployment: { schedule: "", concurrencyLimit: null, runCompleted: false },
    cronDisagreements: null,
    predictionOk: false,
    badInputStatus: null,
    servingReplicas: 0,
    servingReplicasReached: 0,
    rollingUpdateRequests: 0,
    rollingUpdateFailures: null,
    badConfigContainersCreated: null,
    dataKeptAcrossRedeploy: false,
    endpoints: { prefectApi: "", serving: "" },
    setup: {},
  };
}
