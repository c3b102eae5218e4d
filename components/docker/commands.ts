/**
 * Small POSIX-sh wrappers the Docker target puts around a workload's command.
 * They only use sh builtins plus `cat`, `date` and (when present) `timeout`,
 * so they work in Debian, Alpine and distroless-with-busybox images alike.
 */

/** Quotes one word for sh, so any value survives word splitting and expansion. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Runs `command` with each variable read from its file first. The value lives
 * only in the file and in the process environment, never in the container's
 * configuration, so `docker inspect` cannot show it.
 */
export function withVariablesFromFiles(command: string[], files: Record<string, string>): string[] {
  const names = Object.keys(files).sort();
  if (names.length === 0) return command;
  const lines = ["set -eu"];
  for (const name of names) {
    if (!ENV_NAME.test(name)) throw new Error(`"${name}" is not an environment variable name`);
    lines.push(`${name}="$(cat ${shellQuote(files[name])})"`, `export ${name}`);
  }
  lines.push('exec "$@"');
  return ["/bin/sh", "-c", lines.join("\n"), "variables-from-files", ...command];
}

export interface RetryPolicy {
  /** Further attempts after the first one fails (Kubernetes' backoffLimit). */
  retries: number;
  /** Wall-clock budget for all attempts together (activeDeadlineSeconds). */
  deadlineSeconds: number;
  /** First pause between attempts; it doubles each time, up to six minutes (Kubernetes' back-off). */
  initialDelaySeconds: number;
}

/** The exit code a run gets when it overruns its deadline, as `timeout` reports it. */
export const DEADLINE_EXIT_CODE = 124;

/**
 * Runs `command` until it succeeds, at most `retries + 1` times, within one
 * deadline. The container's exit code is the last attempt's, or 124 when the
 * deadline ran out, so the caller sees why the run failed.
 */
export function withRetriesAndDeadline(command: string[], policy: RetryPolicy): string[] {
  const script = [
    `retries=${policy.retries}`,
    `deadline=$(( $(date +%s) + ${policy.deadlineSeconds} ))`,
    `delay=${policy.initialDelaySeconds}`,
    "attempt=0",
    "while :; do",
    "  attempt=$((attempt + 1))",
    "  remaining=$((deadline - $(date +%s)))",
    '  if [ "$remaining" -le 0 ]; then',
    `    echo "run: deadline of ${policy.deadlineSeconds}s exceeded before attempt $attempt" >&2`,
    `    exit ${DEADLINE_EXIT_CODE}`,
    "  fi",
    '  echo "run: attempt $attempt of $((retries + 1)) starting" >&2',
    "  if command -v timeout >/dev/null 2>&1; then",
    '    timeout -s TERM -k 30 "$remaining" "$@" && exit 0 || status=$?',
    "  else",
    '    "$@" && exit 0 || status=$?',
    "  fi",
    `  if [ "$status" -eq ${DEADLINE_EXIT_CODE} ]; then`,
    `    echo "run: attempt $attempt overran the deadline of ${policy.deadlineSeconds}s" >&2`,
    `    exit ${DEADLINE_EXIT_CODE}`,
    "  fi",
    '  if [ "$attempt" -gt "$retries" ]; then',
    '    echo "run: attempt $attempt exited with code $status; no retries left" >&2',
    '    exit "$status"',
    "  fi",
    '  echo "run: attempt $attempt exited with code $status; retrying in ${delay}s" >&2',
    '  sleep "$delay"',
    "  delay=$((delay * 2))",
    '  if [ "$delay" -gt 360 ]; then delay=360; fi',
    "done",
  ].join("\n");
  return ["/bin/sh", "-c", script, "run-with-retries", ...command];
}
