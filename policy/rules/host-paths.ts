/**
 * Host paths that hand a container the container runtime itself: its socket,
 * or a directory that holds the socket. Whoever talks to the runtime is root on
 * the host.
 */

const RUNTIME_SOCKET = /(^|\/)(docker|containerd|cri-dockerd|crio|podman)\.sock$/;

const DIRECTORIES_HOLDING_SOCKETS = new Set([
  "/",
  "/run",
  "/var/run",
  "/run/docker",
  "/var/run/docker",
  "/run/containerd",
  "/var/run/containerd",
  "/var/snap/microk8s/common/run",
]);

function normalise(hostPath: string): string {
  const trimmed = hostPath.replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

export function exposesContainerRuntime(hostPath: string): boolean {
  const path = normalise(hostPath);
  return RUNTIME_SOCKET.test(path) || DIRECTORIES_HOLDING_SOCKETS.has(path);
}
