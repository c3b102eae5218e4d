/**
 * The cluster's commands for tests/real/setup/cli.ts:
 *   cluster        start (or reuse) the cluster; prints the admin kubeconfig's path on stdout
 *   cluster-stop   stop it, keeping its state
 *   cluster-import <tag...>   copy images from the suite's Docker Engine into the node's containerd
 */
import { startEngine } from "../engine";
import { Log } from "../run";
import { startCluster, stopCluster } from "./cluster";
import { importImages } from "./images";

export async function clusterCommand(command: string, operands: string[], log: Log): Promise<void> {
  switch (command) {
    case "cluster": {
      const cluster = await startCluster(log);
      log(`kubernetes ${cluster.version}: node ${cluster.nodeName} (${cluster.nodeIp}), API ${cluster.apiServer}`);
      log(`kubectl: ${cluster.kubectl} --kubeconfig ${cluster.kubeconfig}`);
      console.log(cluster.kubeconfig);
      return;
    }
    case "cluster-stop":
      log((await stopCluster(log)) ? "cluster stopped" : "no part of the cluster was running");
      return;
    case "cluster-import": {
      if (operands.length === 0) throw new Error("usage: cli.js cluster-import <image tag>...");
      const cluster = await startCluster(log);
      const imported = await importImages(cluster, await startEngine(log), operands, log);
      log(imported.length === 0 ? "nothing to import" : `imported ${imported.join(", ")}`);
      return;
    }
    default:
      throw new Error(`not a cluster command: ${command}`);
  }
}
