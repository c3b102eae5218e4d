/**
 * A kubeconfig file named by kubernetes.kubeconfigPath holds the deployer's
 * cluster credentials and lives on their machine, not in the repository. The
 * offline render never contacts a cluster and must not read credentials, so,
 * as with `secure:` values, it hands the program a placeholder instead: a
 * kubeconfig that names the configured context and a cluster nobody serves.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { threadId } from "worker_threads";

const PLACEHOLDER_DIRECTORY = path.join(os.tmpdir(), "ml-platform-render");

function placeholderKubeconfig(context: string): string {
  const quoted = JSON.stringify(context);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "  - name: offline-render",
    "    cluster: { server: 'https://127.0.0.1:16443' }",
    "users:",
    "  - name: offline-render",
    "    user: { token: offline-render }",
    "contexts:",
    `  - name: ${quoted}`,
    "    context: { cluster: offline-render, user: offline-render }",
    `current-context: ${quoted}`,
    "",
  ].join("\n");
}

/** Writes (atomically: renders may run side by side) the placeholder for a context and returns its path. */
function writePlaceholder(context: string): string {
  fs.mkdirSync(PLACEHOLDER_DIRECTORY, { recursive: true });
  // A hash names the file: a context name may be longer than a file name can be.
  const file = path.join(
    PLACEHOLDER_DIRECTORY,
    `kubeconfig-${createHash("sha256").update(context).digest("hex").slice(0, 16)}.yaml`,
  );
  // Unique to this thread: renders run side by side in one process too (the command thread).
  const staging = `${file}.${process.pid}-${threadId}`;
  fs.writeFileSync(staging, placeholderKubeconfig(context));
  fs.renameSync(staging, file);
  return file;
}

/** The config with `<project>:kubernetes.kubeconfigPath`, when set, pointing at the placeholder. */
export function offlineKubeconfig(config: Readonly<Record<string, string>>, project: string): Record<string, string> {
  const kubernetesKey = `${project}:kubernetes`;
  const text = config[kubernetesKey];
  if (text === undefined) return { ...config };
  let settings: unknown;
  try {
    settings = JSON.parse(text);
  } catch {
    return { ...config };
  }
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) return { ...config };
  const record = settings as Record<string, unknown>;
  if (typeof record.kubeconfigPath !== "string" || record.kubeconfigPath === "") return { ...config };
  const context = typeof record.context === "string" ? record.context : "";
  return { ...config, [kubernetesKey]: JSON.stringify({ ...record, kubeconfigPath: writePlaceholder(context) }) };
}
