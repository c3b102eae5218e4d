/** A committed stack file with some keys changed, written where the render can read it. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { projectRoot } from "../../platform/project-root";

/**
 * Changes are keyed by dotted config path under ml-platform ("kubernetes.serviceType",
 * "protectStorage"); returns the path of the written Pulumi.<stack>.yaml.
 */
export function stackFileWith(stack: string, changes: Record<string, unknown>): string {
  const document = parse(fs.readFileSync(path.join(projectRoot(), `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  for (const [dotted, value] of Object.entries(changes)) {
    const [top, ...rest] = dotted.split(".");
    const key = `ml-platform:${top}`;
    if (rest.length === 0) {
      document.config[key] = value;
      continue;
    }
    let node = (document.config[key] ??= {}) as Record<string, unknown>;
    for (const part of rest.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[rest[rest.length - 1]] = value;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-stack-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(document));
  return file;
}
