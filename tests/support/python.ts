/**
 * The machine's python3, for the suites that run the Docker target's Python
 * (the scheduler, the HTTP healthcheck) for real. Without python3, or without
 * a module a suite imports, such a suite is skipped on a developer's machine,
 * saying why, and fails in CI (CI=true), where skipping would pass untested.
 */
import { spawnSync } from "child_process";

const checked = new Map<string, string | undefined>();

/** Why python3 cannot run these modules here, or undefined when it can. */
export function pythonProblem(modules: string[]): string | undefined {
  const key = [...modules].sort().join(",");
  if (checked.has(key)) return checked.get(key);
  const imports = modules.map((module) => `import ${module}`).join("; ") || "pass";
  const child = spawnSync("python3", ["-c", imports], { encoding: "utf8", timeout: 30000 });
  const problem = child.error
    ? `python3 is not available (${child.error.message})`
    : child.status !== 0
      ? `python3 cannot import ${modules.join(", ")}: ${child.stderr.trim().split("\n").pop() || `exit status ${child.status}`}`
      : undefined;
  checked.set(key, problem);
  return problem;
}

/** In a before() hook: skips the suite without python3 and `modules`, or fails it in CI. */
export function requirePython(context: Mocha.Context, modules: string[]): void {
  const problem = pythonProblem(modules);
  if (!problem) return;
  if (process.env.CI) throw new Error(`${problem}; CI must run this suite, so it fails instead of skipping`);
  process.stderr.write(`skipping "${context.test?.parent?.fullTitle()}": ${problem}\n`);
  context.skip();
}
