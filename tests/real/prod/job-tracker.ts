/**
 * Follows the executor Jobs the Prefect worker creates while flow runs go on.
 * A finished Job is deleted by its TTL (ttlSecondsAfterFinished) seconds later,
 * so counting Jobs at the end would miss every early one: the tracker lists
 * them every few seconds (well below the shortest TTL the suite sets) and
 * remembers each Job's name, whether it succeeded, and when it disappeared.
 */
import { sleep } from "../setup/run";
import { ManifestDeploy } from "./manifest-deploy";

const POLL_MILLISECONDS = 2000;
/** Jobs the worker created, as the tracker lists them (name, succeeded, failed). */
const JOB_FIELDS = '{range .items[*]}{.metadata.name} {.status.succeeded} {.status.failed}{"\\n"}{end}';

export interface TrackedJob {
  name: string;
  firstSeen: number;
  /** When the tracker first saw it succeeded or failed. */
  finishedAt?: number;
  succeeded: boolean;
  /** When it was no longer listed. */
  goneAt?: number;
}

export class JobTracker {
  private readonly jobs = new Map<string, TrackedJob>();
  private stopped = false;
  private readonly polling: Promise<void>;
  private lastError = "";

  /** Starts listing Jobs with the worker's label in `namespace`; Jobs listed already (`ignore`) are left out. */
  constructor(
    private readonly deploy: ManifestDeploy,
    private readonly namespace: string,
    private readonly ignore: ReadonlySet<string> = new Set(),
  ) {
    this.polling = this.poll();
  }

  private async list(): Promise<Map<string, boolean | undefined>> {
    const result = await this.deploy.kubectl(
      [
        "get",
        "jobs",
        "-n",
        this.namespace,
        "-l",
        "app.kubernetes.io/managed-by=prefect-worker",
        "-o",
        `jsonpath=${JOB_FIELDS}`,
      ],
      60,
    );
    const listed = new Map<string, boolean | undefined>();
    for (const line of result.stdout.split("\n").filter((entry) => entry.trim() !== "")) {
      const [name, succeeded, failed] = line.split(" ");
      const outcome = Number(succeeded) >= 1 ? true : Number(failed) >= 1 ? false : undefined;
      listed.set(name, outcome);
    }
    return listed;
  }

  private observe(listed: Map<string, boolean | undefined>, at: number): void {
    for (const [name, outcome] of listed) {
      if (this.ignore.has(name)) continue;
      const job = this.jobs.get(name) ?? { name, firstSeen: at, succeeded: false };
      if (outcome !== undefined && job.finishedAt === undefined) {
        job.finishedAt = at;
        job.succeeded = outcome;
      }
      this.jobs.set(name, job);
    }
    for (const job of this.jobs.values()) if (!listed.has(job.name) && job.goneAt === undefined) job.goneAt = at;
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      try {
        this.observe(await this.list(), Date.now());
      } catch (error) {
        this.lastError = (error as Error).message;
      }
      await sleep(POLL_MILLISECONDS);
    }
  }

  /** Every Job seen so far. */
  seen(): TrackedJob[] {
    return [...this.jobs.values()];
  }

  /** Waits until every Job seen is gone (its TTL ran out), or `timeoutSeconds` pass. */
  async waitAllGone(timeoutSeconds: number): Promise<TrackedJob[]> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    while (Date.now() < deadline && this.seen().some((job) => job.goneAt === undefined)) await sleep(POLL_MILLISECONDS);
    return this.seen();
  }

  async stop(): Promise<string> {
    this.stopped = true;
    await this.polling;
    return this.lastError;
  }
}
