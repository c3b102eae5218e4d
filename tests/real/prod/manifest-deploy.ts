/**
 * The prod platform on the suite's cluster: the render's manifests and
 * secrets.yaml applied with kubectl (server-side apply), in the order the
 * objects need: cluster-scoped objects and namespaces, then the Secrets, then
 * everything else. The masked Secrets in manifests/ are for review only; their
 * real counterparts come from secrets.yaml.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { KUBERNETES_SECRETS_FILE } from "../../../components/kubernetes/offline/secrets-file";
import { Cluster } from "../setup/kubernetes/cluster";
import { Log, run, RunResult } from "../setup/run";

export interface ManifestObject {
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Kinds kubectl must create before the namespaced objects that live in or refer to them. */
const FIRST_KINDS = new Set(["Namespace", "PriorityClass", "StorageClass", "ClusterRole", "ClusterRoleBinding"]);
/** Kinds that hold state; a teardown that keeps storage leaves them (and their namespaces). */
export const STORAGE_KINDS = new Set(["PersistentVolumeClaim", "Namespace"]);
const FIELD_MANAGER = "ml-platform-real-suite";

export class ManifestDeploy {
  readonly objects: ManifestObject[];

  constructor(
    private readonly cluster: Cluster,
    /** <render out>/<stack>: manifests/ and secrets.yaml. */
    readonly renderDir: string,
    private readonly log: Log,
  ) {
    const dir = path.join(renderDir, "manifests");
    this.objects = fs
      .readdirSync(dir)
      .sort()
      .map((file) => {
        const manifest = parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
          apiVersion: string;
          kind: string;
          metadata?: { name?: string; namespace?: string };
        };
        return {
          file: path.join(dir, file),
          apiVersion: manifest.apiVersion,
          kind: manifest.kind,
          name: manifest.metadata?.name ?? "",
          namespace: manifest.metadata?.namespace,
        };
      });
  }

  kubectl(args: string[], timeoutSeconds = 120, input?: string): Promise<RunResult> {
    return run(this.cluster.kubectl, ["--kubeconfig", this.cluster.kubeconfig, ...args], { timeoutSeconds, input });
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse((await this.kubectl([...args, "-o", "json"])).stdout) as T;
  }

  ofKind(kind: string): ManifestObject[] {
    return this.objects.filter((object) => object.kind === kind);
  }

  namespaces(): string[] {
    return this.ofKind("Namespace").map((object) => object.name);
  }

  private async applyFiles(files: string[]): Promise<void> {
    if (files.length === 0) return;
    const args = ["apply", "--server-side", "--force-conflicts", `--field-manager=${FIELD_MANAGER}`];
    await this.kubectl([...args, ...files.flatMap((file) => ["-f", file])], 300);
  }

  /** Applies everything; unchanged objects stay as they are, changed ones roll as their controllers do. */
  async apply(): Promise<void> {
    const deployable = this.objects.filter((object) => object.kind !== "Secret");
    await this.applyFiles(deployable.filter((object) => FIRST_KINDS.has(object.kind)).map((object) => object.file));
    await this.applyFiles([path.join(this.renderDir, KUBERNETES_SECRETS_FILE)]);
    await this.applyFiles(deployable.filter((object) => !FIRST_KINDS.has(object.kind)).map((object) => object.file));
    this.log(`applied ${deployable.length} objects and the Secrets of ${KUBERNETES_SECRETS_FILE}`);
  }

  /** Waits for every Deployment and StatefulSet to roll out and every Job to complete. */
  async waitReady(timeoutSeconds: number): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const left = (): string => `${Math.max(10, Math.round((deadline - Date.now()) / 1000))}s`;
    for (const object of [...this.ofKind("StatefulSet"), ...this.ofKind("Deployment")]) {
      const resource = `${object.kind.toLowerCase()}/${object.name}`;
      await this.kubectl(["rollout", "status", "-n", object.namespace ?? "", resource, `--timeout=${left()}`], 900);
    }
    for (const job of this.ofKind("Job"))
      await this.kubectl(
        ["wait", "-n", job.namespace ?? "", "--for=condition=complete", `job/${job.name}`, `--timeout=${left()}`],
        900,
      );
  }

  /** Deletes what `keep` does not name, waiting until it is gone. */
  async delete(keep: Set<string>): Promise<void> {
    const doomed = this.objects.filter((object) => !keep.has(object.kind) && object.kind !== "Secret");
    const files = doomed.map((object) => object.file);
    if (files.length > 0)
      await this.kubectl(
        ["delete", "--ignore-not-found", "--wait=true", ...files.flatMap((file) => ["-f", file])],
        600,
      );
    if (!keep.has("Secret")) {
      await this.kubectl(
        ["delete", "--ignore-not-found", "--wait=true", "-f", path.join(this.renderDir, KUBERNETES_SECRETS_FILE)],
        120,
      );
    }
  }
}
