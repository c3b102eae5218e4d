import * as assert from "assert";
import * as fs from "fs";
import { offlineKubeconfig } from "../../../components/kubernetes/offline/kubeconfig";

const KEY = "ml-platform:kubernetes";

describe("the kubernetes target's offline kubeconfig", () => {
  it("points kubernetes.kubeconfigPath at a placeholder naming the configured context, leaving the input alone", () => {
    const config = { [KEY]: JSON.stringify({ kubeconfigPath: "~/.kube/microk8s.config", context: "microk8s" }) };
    const offline = offlineKubeconfig(config, "ml-platform");
    const settings = JSON.parse(offline[KEY]) as { kubeconfigPath: string; context: string };
    assert.notStrictEqual(settings.kubeconfigPath, "~/.kube/microk8s.config");
    assert.strictEqual(settings.context, "microk8s");
    const placeholder = fs.readFileSync(settings.kubeconfigPath, "utf8");
    assert.match(placeholder, /current-context: "microk8s"/);
    assert.doesNotMatch(placeholder, /certificate|password/);
    assert.strictEqual(JSON.parse(config[KEY]).kubeconfigPath, "~/.kube/microk8s.config", "changed its input");
  });

  it("leaves a config without a kubeconfig file as it is", () => {
    const configs: Record<string, string>[] = [
      {},
      { "ml-platform:target": "docker" },
      { [KEY]: JSON.stringify({ kubeconfigPath: "" }) },
      { [KEY]: "not JSON" },
    ];
    for (const config of configs) {
      assert.deepStrictEqual(offlineKubeconfig(config, "ml-platform"), config);
    }
  });
});
