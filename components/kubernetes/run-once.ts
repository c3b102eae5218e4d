/**
 * Makes a training run idempotent. Kubernetes deletes a finished Job after
 * ttlSecondsAfterFinished; `pulumi refresh` then drops it from the state and
 * the next `pulumi up` creates it again. Each completed index of a run leaves
 * a marker on the run's writable volume, and a re-created Job for a run that
 * already finished exits at once instead of training again. A new image or
 * configuration is a new run id, so it trains.
 */
import { COMPLETION_INDEX_VARIABLE, ContainerSpec, RUN_ID_VARIABLE } from "../../platform/model";

export const MARKER_DIRECTORY_VARIABLE = "ML_PLATFORM_RUN_MARKERS";
/** Under the writable volume, next to the results the run wrote. */
export const MARKER_ROOT = ".ml-platform/runs";

// POSIX sh: the command runs as a child so its success can be recorded, and
// SIGTERM (pod deletion, deadline) is passed on to it rather than swallowed by PID 1.
const RUN_ONCE_SCRIPT = [
  `marker="$${MARKER_DIRECTORY_VARIABLE}/\${${COMPLETION_INDEX_VARIABLE}:-0}.done"`,
  `if [ -e "$marker" ]; then`,
  `  echo "run $${RUN_ID_VARIABLE} index \${${COMPLETION_INDEX_VARIABLE}:-0} already completed at $(cat "$marker"); nothing to do"`,
  `  exit 0`,
  `fi`,
  `"$@" &`,
  `child=$!`,
  `trap 'kill -TERM "$child" 2>/dev/null' TERM INT`,
  `while :; do`,
  `  wait "$child"`,
  `  status=$?`,
  `  kill -0 "$child" 2>/dev/null || break`,
  `done`,
  `[ "$status" -eq 0 ] || exit "$status"`,
  `mkdir -p "$${MARKER_DIRECTORY_VARIABLE}"`,
  `date -u +%Y-%m-%dT%H:%M:%SZ > "$marker"`,
].join("\n");

/**
 * The container wrapped in the run-once guard, or undefined when it cannot be
 * (no explicit command to hand over, or no writable volume to keep markers on).
 */
export function runOnce(container: ContainerSpec, job: string, runId: string): ContainerSpec | undefined {
  const writable = container.mounts.find((mount) => !mount.readOnly);
  if (!container.command || container.command.length === 0 || !writable) return undefined;
  return {
    ...container,
    command: ["/bin/sh", "-c", RUN_ONCE_SCRIPT, "run-once"],
    args: [...container.command, ...(container.args ?? [])],
    env: {
      ...container.env,
      [RUN_ID_VARIABLE]: runId,
      [MARKER_DIRECTORY_VARIABLE]: `${writable.path}/${MARKER_ROOT}/${job}/${runId}`,
    },
  };
}
