/**
 * The node's own containerd: Debian's containerd 1.6 with runc, run with a
 * config, root, state and socket of its own under the cluster's cache folder,
 * so it shares nothing with a system containerd (/run/containerd) or with the
 * containerd inside the suite's Docker Engine. Kubernetes' containers live in
 * its `k8s.io` namespace, as with every CRI containerd.
 */
import * as fs from "fs";
import { Log, run, sleep } from "../run";
import { ClusterBinaries } from "./binaries";
import { ensureDaemon, logTail, writeConfig } from "./daemons";
import { ClusterLayout, PAUSE_IMAGE } from "./layout";

export const CONTAINERD_NAMESPACE = "k8s.io";
const START_TIMEOUT_SECONDS = 30;

/** containerd 1.6's config format (version 2). */
function containerdConfig(layout: ClusterLayout, binaries: ClusterBinaries): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${layout.containerdRoot}"
state = "${layout.containerdState}"
# The btrfs, zfs, devmapper and aufs snapshotters only log errors on this ext4 host.
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "${layout.containerdSocket}"

[ttrpc]
  address = "${layout.containerdSocket}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${layout.containerdRoot}/opt"

[${cri}]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # The node may itself run in a container without CAP_SYS_RESOURCE, where runc cannot lower a process's
  # oom_score_adj below containerd's own (the kubelet asks -998 for sandboxes); containerd then clamps it instead.
  restrict_oom_score_adj = true

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

# The kubelet uses the cgroupfs driver on this cgroup v1 host; runc must agree.
[${cri}.containerd.runtimes.runc.options]
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${binaries.cniBinDir}"
  conf_dir = "${layout.cniConfDir}"
  max_conf_num = 1
`;
}

/** ctr's arguments for this containerd and the Kubernetes namespace. */
export function ctrArgs(socket: string, ...args: string[]): string[] {
  return ["--address", socket, "--namespace", CONTAINERD_NAMESPACE, ...args];
}

export async function startContainerd(layout: ClusterLayout, binaries: ClusterBinaries, log: Log): Promise<void> {
  for (const dir of [layout.containerdRoot, layout.containerdState]) fs.mkdirSync(dir, { recursive: true });
  writeConfig(layout.containerdConfig, containerdConfig(layout, binaries));
  ensureDaemon(
    layout,
    { name: "containerd", binary: binaries.containerd, args: ["--config", layout.containerdConfig] },
    log,
  );
  const deadline = Date.now() + START_TIMEOUT_SECONDS * 1000;
  while (Date.now() < deadline) {
    try {
      await run(binaries.ctr, ["--address", layout.containerdSocket, "version"], { timeoutSeconds: 5 });
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(
    `kubernetes: containerd did not answer on ${layout.containerdSocket} within ${START_TIMEOUT_SECONDS}s:\n` +
      logTail(layout, "containerd"),
  );
}
