/**
 * What the node needs from the host before its programs start: the node's
 * own address, the pods' CNI network, a resolv.conf that sends nothing off
 * this machine, the kubelet's cgroup parent, and the hostpath provisioner's
 * folder pointing into the cache. Each piece is made only when missing, and
 * `releaseNodeHost` removes the interfaces again; files and data stay.
 */
import * as fs from "fs";
import * as path from "path";
import { Log, run } from "../run";
import { writeConfig } from "./daemons";
import { CGROUP_ROOT, CNI_BRIDGE, CNI_NETWORK_NAME, ClusterLayout, NODE_INTERFACE, NODE_IP, POD_CIDR } from "./layout";

const CGROUP_V1_MOUNT = "/sys/fs/cgroup";

export async function prepareNodeHost(layout: ClusterLayout, log: Log): Promise<void> {
  // Before containerd starts: a hostPort rule of a pod this node's containerd never knew (a cluster run from another
  // cache folder, or one stopped without its pods) would catch the port ahead of the live pod's rule.
  await removeHostPortRules(log);
  await ensureNodeAddress();
  writeCniConfig(layout);
  // Pods whose dnsPolicy is Default, and CoreDNS's upstream, read this file. The node's own address answers nothing
  // on port 53, so a name outside the cluster fails at once instead of leaving this machine. It is not a loopback
  // address because CoreDNS's loop check would take a loopback upstream for itself.
  writeConfig(layout.resolvConf, `nameserver ${NODE_IP}\noptions timeout:1 attempts:1\n`);
  ensureCgroupRoot();
}

/**
 * Chains the kubelet adds to the host's firewall (kube-proxy removes its own with --cleanup): the localnet guard
 * KUBE-FIREWALL, and the KUBE-KUBELET-CANARY and KUBE-IPTABLES-HINT markers, in IPv4 and IPv6.
 */
const KUBELET_CHAINS = ["KUBE-FIREWALL", "KUBE-KUBELET-CANARY", "KUBE-IPTABLES-HINT"];

/**
 * Removes the node's and the pods' bridges (their addresses and routes go with them), the kubelet's chains and the
 * hostPort rules of the pods still running when the cluster stopped (the ingress controller's port 80): containerd
 * stops with them, so nothing else would remove those rules.
 */
export async function releaseNodeHost(log: Log): Promise<void> {
  await removeKubeletChains(log);
  await removeHostPortRules(log);
  for (const name of [CNI_BRIDGE, NODE_INTERFACE]) {
    try {
      await run("ip", ["link", "show", name]);
    } catch {
      continue;
    }
    await run("ip", ["link", "delete", name]);
    log(`kubernetes: removed interface ${name}`);
  }
}

/** The node address lives on a port-less bridge the cluster owns; see NODE_IP. */
async function ensureNodeAddress(): Promise<void> {
  try {
    await run("ip", ["link", "show", NODE_INTERFACE]);
  } catch {
    await run("ip", ["link", "add", "name", NODE_INTERFACE, "type", "bridge"]);
  }
  const { stdout } = await run("ip", ["-4", "-o", "addr", "show", "dev", NODE_INTERFACE]);
  if (!stdout.includes(` ${NODE_IP}/32 `)) await run("ip", ["addr", "add", `${NODE_IP}/32`, "dev", NODE_INTERFACE]);
  await run("ip", ["link", "set", NODE_INTERFACE, "up"]);
}

/**
 * A bridge network with host-local addresses from POD_CIDR and no masquerading (pods need nothing beyond this
 * machine), plus portmap for hostPort and loopback for each pod's lo. host-local's lease files live under run/, so
 * a stopped cluster leaves no leases behind for pods that no longer exist.
 */
function writeCniConfig(layout: ClusterLayout): void {
  fs.mkdirSync(layout.cniConfDir, { recursive: true });
  const config = {
    cniVersion: "1.0.0",
    name: CNI_NETWORK_NAME,
    plugins: [
      {
        type: "bridge",
        bridge: CNI_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          dataDir: layout.cniDataDir,
          ranges: [[{ subnet: POD_CIDR }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  writeConfig(path.join(layout.cniConfDir, "10-ml-platform.conflist"), JSON.stringify(config, null, 2) + "\n");
}

/**
 * The kubelet refuses a cgroupRoot that does not exist. It must exist in every v1 hierarchy; cpuset's children start
 * with no CPUs or memory nodes, so the parent's are copied in.
 */
function ensureCgroupRoot(): void {
  for (const hierarchy of fs.readdirSync(CGROUP_V1_MOUNT)) {
    const parent = path.join(CGROUP_V1_MOUNT, hierarchy);
    if (!fs.existsSync(path.join(parent, "cgroup.procs"))) continue;
    const dir = path.join(parent, CGROUP_ROOT);
    fs.mkdirSync(dir, { recursive: true });
    if (hierarchy === "cpuset") {
      for (const file of ["cpuset.cpus", "cpuset.mems"]) {
        if (fs.readFileSync(path.join(dir, file), "utf8").trim() === "") {
          fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(parent, file), "utf8"));
        }
      }
    }
  }
}

/**
 * The portmap plugin's per-pod chains of this cluster's network: each is a CNI-DN-* chain that CNI-HOSTPORT-DNAT
 * jumps to, with a comment naming the network. The shared CNI-HOSTPORT-* chains stay (other CNI networks may use
 * them, and they are empty of this network's rules once these go).
 */
async function removeHostPortRules(log: Log): Promise<void> {
  const marker = `dnat name: \\"${CNI_NETWORK_NAME}\\"`;
  let removed = 0;
  for (const program of ["iptables", "ip6tables"]) {
    let rules: string[];
    try {
      rules = (await run(program, ["-w", "-t", "nat", "-S", "CNI-HOSTPORT-DNAT"])).stdout
        .split("\n")
        .filter((line) => line.startsWith("-A "));
    } catch {
      continue; // no portmap chains at all
    }
    // By rule number, last first, so the numbers still to delete stay valid; nothing else edits the chain while the
    // cluster's programs are stopped.
    for (let index = rules.length - 1; index >= 0; index--) {
      const chain = / -j (CNI-DN-\S+)$/.exec(rules[index])?.[1];
      if (!chain || !rules[index].includes(marker)) continue;
      await run(program, ["-w", "-t", "nat", "-D", "CNI-HOSTPORT-DNAT", String(index + 1)]);
      await run(program, ["-w", "-t", "nat", "-F", chain]);
      await run(program, ["-w", "-t", "nat", "-X", chain]);
      removed++;
    }
  }
  if (removed > 0) log(`kubernetes: removed ${removed} hostPort rule(s) of pods no longer running`);
}

async function removeKubeletChains(log: Log): Promise<void> {
  let removed = 0;
  for (const program of ["iptables", "ip6tables"]) {
    for (const table of ["filter", "nat", "mangle"]) {
      let rules: string;
      try {
        rules = (await run(program, ["-w", "-t", table, "-S"])).stdout;
      } catch {
        continue;
      }
      const lines = rules.split("\n");
      // Jumps into the chains first (a chain still referenced cannot be deleted), then the chains themselves.
      for (const line of lines) {
        const jump = /^-A (\S+) (.*-j (\S+))$/.exec(line);
        if (jump && KUBELET_CHAINS.includes(jump[3]) && !KUBELET_CHAINS.includes(jump[1])) {
          await run(program, ["-w", "-t", table, "-D", jump[1], ...jump[2].split(" ")]).catch(() => undefined);
        }
      }
      for (const chain of KUBELET_CHAINS) {
        if (!lines.includes(`-N ${chain}`)) continue;
        await run(program, ["-w", "-t", table, "-F", chain]);
        await run(program, ["-w", "-t", table, "-X", chain]);
        removed++;
      }
    }
  }
  if (removed > 0) log(`kubernetes: removed ${removed} kubelet firewall chain(s)`);
}
