/**
 * The Docker target's config rules: keys of its own section, checked with
 * every stack's config, and the keys that moved into it.
 */
import { checkPinned } from "../../config/images";
import { CrossKeyRule, MovedKey } from "../../config/rule";

export const dockerConfigRules: CrossKeyRule[] = [
  {
    needs: [["target"], ["docker", "serverHostPort"], ["docker", "servingHostPort"]],
    check: ({ target, docker }, add) => {
      if (target === "docker" && docker.serverHostPort === docker.servingHostPort) {
        add(
          ["docker", "servingHostPort"],
          `${docker.servingHostPort} is already docker.serverHostPort; host ports must differ`,
        );
      }
    },
  },
  {
    needs: [["target"], ["training", "gpu"], ["docker", "gpuSupport"]],
    check: ({ target, training, docker }, add) => {
      if (target === "docker" && training.gpu.enabled && !docker.gpuSupport) {
        add(
          ["training", "gpu", "enabled"],
          "requests a GPU but docker.gpuSupport is false; enable it once the host has the NVIDIA container runtime",
        );
      }
    },
  },
  {
    needs: [["environment"], ["docker", "proxyImage"]],
    check: ({ environment, docker }, add) => checkPinned(environment, ["docker", "proxyImage"], docker.proxyImage, add),
  },
  {
    needs: [["target"], ["docker", "workerDockerSocket"]],
    check: ({ target, docker }, add) => {
      if (target !== "docker" && docker.workerDockerSocket) {
        add(["docker", "workerDockerSocket"], "only the docker target can hand the worker a Docker socket");
      }
    },
  },
];

/** Keys of the shared sections that only this target reads, now in its own section. */
export const dockerMovedKeys: MovedKey[] = [{ from: ["worker", "dockerSocket"], to: ["docker", "workerDockerSocket"] }];
