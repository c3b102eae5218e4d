/**
 * The few calls of Prefect's REST API the suite makes, as a user's client
 * would make them (basic auth when the server asks for it).
 */
import { httpRequest, PinnedHosts } from "./http";

export interface FlowRun {
  id: string;
  name: string;
  state_type: string | null;
  start_time: string | null;
  end_time: string | null;
  deployment_id: string | null;
  state: { message: string | null } | null;
  /** How many times the run started: more than 1 when Prefect retried it. */
  run_count: number;
}

export class PrefectApi {
  constructor(
    /** e.g. http://127.0.0.1:4200/api */
    readonly url: string,
    private readonly authString?: string,
    /** Host names of the url that the suite resolves itself (the prod ingress host). */
    private readonly pinned?: PinnedHosts,
  ) {}

  /** The same server without the login, as an anonymous client. */
  anonymous(): PrefectApi {
    return new PrefectApi(this.url, undefined, this.pinned);
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.authString) headers.authorization = `Basic ${Buffer.from(this.authString).toString("base64")}`;
    return headers;
  }

  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await httpRequest(
      `${this.url}${path}`,
      { method, headers: this.headers(), body: body === undefined ? undefined : JSON.stringify(body) },
      this.pinned,
    );
    const { status, text } = response;
    if (status < 200 || status > 299) throw new Error(`${method} ${path}: HTTP ${status}: ${text.slice(0, 300)}`);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  async workers(pool: string): Promise<{ name: string; status: string }[]> {
    return this.request("POST", `/work_pools/${encodeURIComponent(pool)}/workers/filter`, {});
  }

  async deploymentId(flowName: string, deploymentName: string): Promise<string> {
    const deployment = await this.request<{ id: string }>(
      "GET",
      `/deployments/name/${encodeURIComponent(flowName)}/${encodeURIComponent(deploymentName)}`,
    );
    return deployment.id;
  }

  async createFlowRun(deploymentId: string, parameters: Record<string, unknown>): Promise<FlowRun> {
    return this.request("POST", `/deployments/${deploymentId}/create_flow_run`, { parameters });
  }

  async flowRuns(ids: string[]): Promise<FlowRun[]> {
    return this.request("POST", "/flow_runs/filter", { flow_runs: { id: { any_: ids } }, limit: 200 });
  }

  async countFlowRuns(): Promise<number> {
    return this.request("POST", "/flow_runs/count", {});
  }

  async countArtifacts(key: string): Promise<number> {
    return this.request("POST", "/artifacts/count", { artifacts: { key: { any_: [key] } } });
  }
}

/** The most flow runs that were running at one instant, from the times Prefect recorded. */
export function maxConcurrent(runs: FlowRun[]): number {
  const events: [number, number][] = [];
  for (const run of runs) {
    if (!run.start_time || !run.end_time) continue;
    events.push([Date.parse(run.start_time), 1], [Date.parse(run.end_time), -1]);
  }
  // Ends before starts at the same instant: a run that ended as another began did not overlap it.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let most = 0;
  for (const [, change] of events) {
    running += change;
    most = Math.max(most, running);
  }
  return most;
}
