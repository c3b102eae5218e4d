/** What a staging run measured, as written to out/real/staging/summary.json. */
import { BalancingFigures, FlowRunFigures, RetrainingFigures, ServingFigures } from "../platform-checks";

export interface StagingSummary extends FlowRunFigures, ServingFigures, RetrainingFigures, BalancingFigures {
  /** "docker stack deploy": the render's docker-stack.yml (see scenario.ts for why not "pulumi"). */
  deployPath: "pulumi" | "docker stack deploy";
  deployPathReason: string;
  dockerHost: string;
  engineVersion: string;
  /** The Docker CLI that runs `docker stack deploy` (it talks to the engine at the engine's API version). */
  cliVersion: string;
  swarmNode: string;
  servicesConverged: number;
  servicesTotal: number;
  secondsToConverged: number | null;
  rollingUpdateRequests: number;
  rollingUpdateFailures: number | null;
  rollbackObserved: boolean;
  rollbackRequests: number;
  rollbackFailures: number | null;
  /** Secret values found in the environment of the services and their containers (docker inspect). */
  secretsInEnv: number | null;
  badConfigServicesCreated: number | null;
  swarmLeftActive: boolean;
  endpoints: { prefectApi: string; serving: string };
  setup: { seconds?: number; images?: { built: string[]; reused: string[]; seconds: number } };
}

export function emptySummary(): StagingSummary {
  return {
    deployPath: "docker stack deploy",
    deployPathReason:
      "no Pulumi Docker provider plugin can be had here: the Go module proxy refuses its module (403, 'This module version is not available'), and the random provider's likewise; the render's docker-stack.yml carries the same provider inputs",
    dockerHost: "",
    engineVersion: "",
    cliVersion: "",
    swarmNode: "",
    servicesConverged: 0,
    servicesTotal: 0,
    secondsToConverged: null,
    flowRunsSubmitted: 0,
    flowRunsCompleted: 0,
    flowRunsRetried: 0,
    maxConcurrentObserved: null,
    maxConcurrentAllowed: null,
    flowModelServed: null,
    flowModelRun: null,
    predictionOk: false,
    badInputStatus: null,
    retrainingDeployment: { schedule: "", concurrencyLimit: null, runCompleted: false },
    rollingUpdateRequests: 0,
    rollingUpdateFailures: null,
    rollbackObserved: false,
    servingReplicas: 0,
    servingReplicasReached: 0,
    rollbackRequests: 0,
    rollbackFailures: null,
    secretsInEnv: null,
    badConfigServicesCreated: null,
    swarmLeftActive: false,
    endpoints: { prefectApi: "", serving: "" },
    setup: {},
  };
}
