/**
 * The scheduler script ships as a plain file beside this module; the program
 * reads it from the project tree (compiled output has no .py files), the way
 * platform/project-root.ts reads the workload scripts.
 */
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "../../platform/project-root";

export const SCHEDULER_FILE = "scheduler.py";

export function schedulerScriptPath(): string {
  return path.join(projectRoot(), "components", "docker", SCHEDULER_FILE);
}

export function readSchedulerScript(): string {
  return fs.readFileSync(schedulerScriptPath(), "utf8");
}
