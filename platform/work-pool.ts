/**
 * Registering the work pool, the same way on every target: one container runs
 * before any worker starts, creates or overwrites the pool (with the target's
 * base job template, when it has one) and caps the pool as a whole at
 * maxConcurrentRuns, since each worker's --limit caps only itself. Workers
 * then find the pool in place; left to themselves, several workers starting
 * at once each try to create it and all but one fail.
 */
import { ContainerSpec, ExecutorPoolSpec, FileBundle } from "./model";

/** A base job template: the bundle that carries it and its file name in the bundle's directory. */
export interface PoolTemplate {
  bundle: FileBundle;
  file: string;
}

function registerScript(withTemplate: boolean): string {
  const create = withTemplate
    ? 'prefect work-pool create "$WORK_POOL_NAME" --type "$WORK_POOL_TYPE" --base-job-template "$WORK_POOL_TEMPLATE" --overwrite'
    : 'prefect work-pool create "$WORK_POOL_NAME" --type "$WORK_POOL_TYPE" --overwrite';
  return `${create} && prefect work-pool set-concurrency-limit "$WORK_POOL_NAME" "$WORK_POOL_CONCURRENCY_LIMIT"`;
}

/** The run-to-completion container that registers `pool` as a pool of `type` workers. */
export function registerPoolContainer(pool: ExecutorPoolSpec, type: string, template?: PoolTemplate): ContainerSpec {
  const env: Record<string, string> = {
    ...pool.worker.env,
    WORK_POOL_NAME: pool.workPool,
    WORK_POOL_TYPE: type,
    WORK_POOL_CONCURRENCY_LIMIT: String(pool.maxConcurrentRuns),
  };
  if (template) env.WORK_POOL_TEMPLATE = `${template.bundle.directory}/${template.file}`;
  return {
    ...pool.worker,
    command: ["/bin/sh", "-c", registerScript(template !== undefined)],
    args: undefined,
    env,
    ports: [],
    probes: {},
    // Registration needs the template, not the worker's own files (the flows).
    bundles: template ? [template.bundle] : [],
  };
}
