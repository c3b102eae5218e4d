import * as fs from "fs";
import * as path from "path";

/** The folder holding Pulumi.yaml, whether running from sources or compiled output. */
export function projectRoot(start: string = __dirname): string {
  let current = start;
  for (;;) {
    if (fs.existsSync(path.join(current, "Pulumi.yaml"))) return current;
    const parent = path.dirname(current);
    if (parent === current) throw new Error(`no Pulumi.yaml above ${start}`);
    current = parent;
  }
}

/** Reads the reference workload scripts shipped in workloads/. */
export function readWorkloadFile(file: string): string {
  return fs.readFileSync(path.join(projectRoot(), "workloads", file), "utf8");
}

/** Reads the example flows shipped in flows/. */
export function readFlowFile(file: string): string {
  return fs.readFileSync(path.join(projectRoot(), "flows", file), "utf8");
}
