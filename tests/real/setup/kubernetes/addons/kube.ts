/**
 * The few kubectl operations the addons need: server-side apply of manifests
 * held as objects, and waiting for what they start to be ready.
 */
import { Log, run, sleep } from "../../run";
import { Cluster } from "../cluster";

/** Any Kubernetes object the addons apply; the typed manifests in each addon's module are checked by tsc. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string };
}

/** The field manager the addons' objects are applied under, so a re-apply owns (and may change) every field it set. */
const FIELD_MANAGER = "ml-platform-addons";

export async function kubectl(
  cluster: Cluster,
  args: string[],
  options: { input?: string; timeoutSeconds?: number } = {},
): Promise<string> {
  const { stdout } = await run(cluster.kubectl, ["--kubeconfig", cluster.kubeconfig, ...args], {
    input: options.input,
    timeoutSeconds: options.timeoutSeconds ?? 60,
  });
  return stdout;
}

/** Applies the objects in one call, server-side, taking over fields another manager set (an earlier layout's). */
export async function apply(cluster: Cluster, objects: Manifest[], log: Log): Promise<void> {
  const list = { apiVersion: "v1", kind: "List", items: objects };
  const output = await kubectl(
    cluster,
    ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`, "-f", "-"],
    { input: JSON.stringify(list) },
  );
  for (const line of output.trim().split("\n")) if (line.trim() !== "") log(`  ${line}`);
}

/** Waits for a Deployment or DaemonSet to have all its pods updated and available. */
export async function waitForRollout(
  cluster: Cluster,
  namespace: string,
  workload: string,
  timeoutSeconds: number,
): Promise<void> {
  await kubectl(cluster, ["rollout", "status", "--namespace", namespace, workload, `--timeout=${timeoutSeconds}s`], {
    timeoutSeconds: timeoutSeconds + 15,
  });
}

/**
 * Polls `check` until it returns true or `timeoutSeconds` pass; the error names `what` and the check's last
 * failure, so a timeout says why.
 */
export async function waitUntil(what: string, timeoutSeconds: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "not yet";
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(2000);
  }
  throw new Error(`${what}: not within ${timeoutSeconds}s (last: ${last.trim().split("\n").slice(-5).join(" | ")})`);
}
