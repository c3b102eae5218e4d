/**
 * The explicit Kubernetes provider. Its kubeconfig comes from stack config
 * only, never from the deployer's ambient KUBECONFIG or ~/.kube/config, so a
 * `pulumi up` can only ever reach the cluster the stack names.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Provider } from "@pulumi/kubernetes/provider";
import { ConfigError } from "../../config/load";
import { CONFIG_NAMESPACE } from "../../config/validate";
import { KubernetesSettings } from "./settings";

const CONTENT_KEY = `${CONFIG_NAMESPACE}:kubeconfig`;
const PATH_KEY = `${CONFIG_NAMESPACE}:kubernetes.kubeconfigPath`;

/** Where the kubeconfig came from, for messages. */
export type KubeconfigSource = { kind: "content"; key: string } | { kind: "file"; key: string; path: string };

export interface ResolvedKubeconfig {
  /** The kubeconfig text, always a secret: it holds the cluster's admin credentials. */
  content: pulumi.Output<string>;
  source: KubeconfigSource;
}

/** `~` and `~/...` as a shell would expand them; other paths resolve against the working directory. */
export function expandPath(raw: string, home: string = os.homedir()): string {
  if (raw === "~") return home;
  if (raw.startsWith("~/")) return path.join(home, raw.slice(2));
  return path.resolve(raw);
}

function problem(key: string, message: string): ConfigError {
  return new ConfigError(pulumi.getStack(), [{ key, message }]);
}

/** Reads the kubeconfig file named in config, failing with the path and the key when it cannot. */
export function readKubeconfigFile(raw: string, home: string = os.homedir()): string {
  const resolved = expandPath(raw, home);
  const shown = resolved === raw ? `"${resolved}"` : `"${resolved}" (from "${raw}")`;
  let text: string;
  try {
    text = fs.readFileSync(resolved, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : String(code ?? error);
    throw problem(
      PATH_KEY,
      `cannot read the kubeconfig ${shown}: ${reason}. Write it with "microk8s config > ${raw}" on the cluster node, ` +
        `or set ${CONTENT_KEY} with --secret instead`,
    );
  }
  if (text.trim() === "")
    throw problem(PATH_KEY, `the kubeconfig ${shown} is empty; write it with "microk8s config > ${raw}"`);
  return text;
}

/**
 * The kubeconfig for the stack: ml-platform:kubeconfig (content) or
 * kubernetes.kubeconfigPath (a file read now, at deploy time). Both at once is
 * ambiguous (they may name different clusters) and is refused.
 */
export function resolveKubeconfig(settings: KubernetesSettings, home: string = os.homedir()): ResolvedKubeconfig {
  const content = settings.kubeconfig;
  const file = settings.kubeconfigPath;
  if (content !== "" && file !== "") {
    throw problem(
      PATH_KEY,
      `both ${CONTENT_KEY} and ${PATH_KEY} are set and may name different clusters; keep one ` +
        `(e.g. pulumi config set --path '${PATH_KEY}' '')`,
    );
  }
  if (content !== "") return { content: pulumi.secret(content), source: { kind: "content", key: CONTENT_KEY } };
  if (file !== "") {
    return {
      content: pulumi.secret(readKubeconfigFile(file, home)),
      source: { kind: "file", key: PATH_KEY, path: expandPath(file, home) },
    };
  }
  throw problem(
    CONTENT_KEY,
    `the kubernetes target needs a kubeconfig: set ${CONTENT_KEY} (--secret) or ${PATH_KEY}; the ambient kubeconfig is never used`,
  );
}

export interface ClusterProviderArgs {
  kubeconfig: ResolvedKubeconfig;
  /** Kubeconfig context; empty uses the file's current-context (`microk8s config` sets "microk8s"). */
  context: string;
  /**
   * Identifies the cluster to the provider. Without it, any change to the
   * kubeconfig's active cluster entry (e.g. after `microk8s refresh-certs`)
   * replaces the provider and with it every object of the platform.
   */
  clusterIdentifier: string;
}

export function createClusterProvider(
  name: string,
  args: ClusterProviderArgs,
  opts?: pulumi.CustomResourceOptions,
): Provider {
  return new Provider(
    name,
    {
      kubeconfig: args.kubeconfig.content,
      context: args.context === "" ? undefined : args.context,
      clusterIdentifier: args.clusterIdentifier,
    },
    opts,
  );
}
