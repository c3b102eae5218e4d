/**
 * The Kubernetes target's config rules: keys of its own section (the cluster's
 * credentials, namespaces, executor capacity, TLS) and the worker image it needs.
 */
import { kubernetesWorkerImageProblem } from "../../config/images";
import { parseCpuMillis, parseMemoryBytes } from "../../config/quantities";
import { CrossKeyRule } from "../../config/rule";

export const kubernetesConfigRules: CrossKeyRule[] = [
  {
    // Exactly one of the two names the cluster.
    needs: [["target"], ["kubeconfig"], ["kubernetes", "kubeconfigPath"]],
    check: ({ target, kubeconfig, kubernetes }, add) => {
      if (target !== "kubernetes") return;
      if (kubeconfig === "" && kubernetes.kubeconfigPath === "") {
        add(
          ["kubeconfig"],
          "the kubernetes target needs a kubeconfig: set ml-platform:kubeconfig (--secret) or kubernetes.kubeconfigPath; the ambient kubeconfig is never used",
        );
      } else if (kubeconfig !== "" && kubernetes.kubeconfigPath !== "") {
        add(
          ["kubernetes", "kubeconfigPath"],
          "is set together with ml-platform:kubeconfig, and the two may name different clusters; keep one",
        );
      }
    },
  },
  {
    needs: [
      ["kubernetes", "namespace"],
      ["kubernetes", "executorNamespace"],
    ],
    check: ({ kubernetes }, add) => {
      if (kubernetes.namespace === kubernetes.executorNamespace) {
        add(
          ["kubernetes", "executorNamespace"],
          `"${kubernetes.executorNamespace}" is also kubernetes.namespace; executors need a namespace of their own for their quota and policies`,
        );
      }
    },
  },
  {
    needs: [["target"], ["training", "gpu"], ["kubernetes", "gpuSupport"]],
    check: ({ target, training, kubernetes }, add) => {
      if (target === "kubernetes" && training.gpu.enabled && !kubernetes.gpuSupport) {
        add(
          ["training", "gpu", "enabled"],
          "requests a GPU but kubernetes.gpuSupport is false; enable the cluster's GPU addon and set it to true",
        );
      }
    },
  },
  {
    needs: [
      ["target"],
      ["worker", "maxConcurrentRuns"],
      ["worker", "executor", "resources"],
      ["kubernetes", "executorCapacity"],
    ],
    check: ({ target, worker, kubernetes }, add) => {
      if (target !== "kubernetes") return;
      const runs = worker.maxConcurrentRuns;
      const { limits } = worker.executor.resources;
      const capacity = kubernetes.executorCapacity;
      const needs: Array<[string, number, number, string]> = [
        ["cpu", (parseCpuMillis(limits.cpu) ?? 0) * runs, parseCpuMillis(capacity.cpu) ?? 0, limits.cpu],
        [
          "memory",
          (parseMemoryBytes(limits.memory) ?? 0) * runs,
          parseMemoryBytes(capacity.memory) ?? 0,
          limits.memory,
        ],
      ];
      for (const [resource, needed, available, each] of needs) {
        if (needed <= available) continue;
        add(
          ["worker", "maxConcurrentRuns"],
          `${runs} executors at their ${resource} limit ${each} exceed kubernetes.executorCapacity.${resource} ` +
            `${capacity[resource as "cpu" | "memory"]}: the executor quota would let flow runs take the node from the platform. ` +
            `Lower worker.maxConcurrentRuns or worker.executor.resources.limits.${resource}, or raise the capacity to what the node spares`,
        );
      }
    },
  },
  {
    needs: [["target"], ["kubernetes", "tlsSecretName"], ["kubernetes", "ingressHost"], ["server", "publicUrl"]],
    check: ({ target, kubernetes, server }, add) => {
      if (target !== "kubernetes" || kubernetes.tlsSecretName === "") return;
      if (kubernetes.ingressHost === "") {
        add(
          ["kubernetes", "tlsSecretName"],
          "needs kubernetes.ingressHost: a certificate names the host it serves, and an Ingress serves TLS per host",
        );
      }
      if (!server.publicUrl.startsWith("https://")) {
        add(
          ["server", "publicUrl"],
          `"${server.publicUrl}" is plain HTTP while the Ingress serves HTTPS (kubernetes.tlsSecretName): browsers would send the login unencrypted; use https://`,
        );
      }
    },
  },
  {
    needs: [["target"], ["images", "prefectWorker"]],
    check: ({ target, images }, add) => {
      // Left out, the image is the target's own default, which fits it.
      if (target !== "kubernetes" || images.prefectWorker === undefined) return;
      const problem = kubernetesWorkerImageProblem(images.prefectWorker);
      if (problem) add(["images", "prefectWorker"], `image "${images.prefectWorker}" ${problem}`);
    },
  },
];
