/**
 * What the Kubernetes target receives of the stack config: its own
 * `kubernetes` section, plus the kubeconfig content, which is a top-level key
 * because it is set on its own with --secret (the alternative to
 * kubernetes.kubeconfigPath).
 */
import type { PlatformConfig } from "../../config/schema";

export type KubernetesSettings = PlatformConfig["kubernetes"] & Pick<PlatformConfig, "kubeconfig">;

export function kubernetesSettings(config: PlatformConfig): KubernetesSettings {
  return { ...config.kubernetes, kubeconfig: config.kubeconfig };
}
