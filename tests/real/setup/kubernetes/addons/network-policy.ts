/**
 * Why the suite's cluster enforces no NetworkPolicy, measured on the running
 * kernel rather than assumed.
 *
 * MicroK8s enforces policies with Calico. The enforcer that builds from the Go
 * module proxy, sigs.k8s.io/kube-network-policies (v0.8.0 served), sends each
 * new connection to user space with the nftables `queue` statement
 * (pkg/networkpolicy/controller.go: expr.Queue), which needs the kernel's
 * CONFIG_NFT_QUEUE. This machine's kernel has nf_tables, nfnetlink_queue and
 * the iptables NFQUEUE target, but not nft_queue: the kernel refuses the rule.
 * An iptables and ipset enforcer (Calico's iptables data plane, kube-router)
 * would find its kernel features here, but none is built: Calico's node agent
 * is not a plain Go build, and kube-router is served only at v2.1.0, for which
 * security flaws are reported.
 *
 * The prod stack's NetworkPolicies are still applied and admitted by the API
 * server; they are simply not enforced on this node.
 */
import { CommandError, Log, run } from "../../run";

/** A table that is only checked (`nft -c`), never created: the kernel validates the rule without keeping it. */
const QUEUE_PROBE = [
  "table inet ml_platform_queue_probe {",
  "  chain forward {",
  "    type filter hook forward priority 0;",
  "    queue num 0 bypass",
  "  }",
  "}",
  "",
].join("\n");

/** One sentence for the summary: what enforces NetworkPolicies here (nothing) and the kernel's own answer why. */
export async function networkPolicyEnforcement(log: Log): Promise<string> {
  const none = "none: NetworkPolicies are admitted but not enforced";
  try {
    await run("nft", ["-c", "-f", "-"], { input: QUEUE_PROBE });
  } catch (error) {
    // nft names the rule it could not load; its "Error: ..." line is the kernel's answer.
    const output = error instanceof CommandError ? error.output : String(error);
    const said = /Error: (.*)/.exec(output)?.[1]?.trim() ?? output.trim().split("\n")[0];
    const reason = `${none}; sigs.k8s.io/kube-network-policies needs the nftables queue statement (kernel option CONFIG_NFT_QUEUE), which this kernel refuses (nft: "${said}")`;
    log(`addons: network policy enforcement: ${reason}`);
    return reason;
  }
  const reason = `${none}; this kernel accepts the nftables queue statement, so sigs.k8s.io/kube-network-policies could run, but the suite does not build it yet`;
  log(`addons: network policy enforcement: ${reason}`);
  return reason;
}
