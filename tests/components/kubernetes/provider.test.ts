import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../../config/load";
import {
  createClusterProvider,
  expandPath,
  readKubeconfigFile,
  resolveKubeconfig,
} from "../../../components/kubernetes/provider";
import { kubernetesSettings } from "../../../components/kubernetes/settings";
import { promiseOf } from "../../support/mocks";
import { build, configWith, isSecretValue, K8S, MICROK8S_KUBECONFIG, single, unwrapSecrets } from "./harness";

function temporaryHome(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "ml-kube-home-"));
}

function writeKubeconfig(home: string, relative: string, text = MICROK8S_KUBECONFIG): string {
  const file = path.join(home, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe("kubernetes target: the explicit provider", () => {
  describe("expandPath", () => {
    it("expands a leading ~ to the home directory, as a shell would", () => {
      assert.strictEqual(expandPath("~", "/home/ops"), "/home/ops");
      assert.strictEqual(expandPath("~/.kube/microk8s.config", "/home/ops"), "/home/ops/.kube/microk8s.config");
    });

    it("leaves ~user and absolute paths alone, and resolves relative ones against the working directory", () => {
      assert.strictEqual(expandPath("/etc/kube/config", "/home/ops"), "/etc/kube/config");
      assert.strictEqual(expandPath("kube/config", "/home/ops"), path.resolve("kube/config"));
      assert.strictEqual(expandPath("~ops/config", "/home/ops"), path.resolve("~ops/config"));
    });
  });

  describe("readKubeconfigFile", () => {
    it("reads the file `microk8s config` wrote, as it is", () => {
      const home = temporaryHome();
      writeKubeconfig(home, ".kube/microk8s.config");
      assert.strictEqual(readKubeconfigFile("~/.kube/microk8s.config", home), MICROK8S_KUBECONFIG);
    });

    it("fails on a missing file with a config error naming the key, the path as written and as resolved", () => {
      const home = temporaryHome();
      const error = (() => {
        try {
          readKubeconfigFile("~/.kube/missing.config", home);
        } catch (caught) {
          return caught as Error;
        }
        throw new Error("a missing kubeconfig was accepted");
      })();
      assert.ok(
        error instanceof ConfigError,
        "a missing kubeconfig must be a ConfigError (a RunError: no stack trace)",
      );
      assert.ok(error instanceof pulumi.RunError, "ConfigError is a RunError");
      assert.match(error.message, /ml-platform:kubernetes\.kubeconfigPath/, "the message does not name the key");
      assert.ok(
        error.message.includes(path.join(home, ".kube/missing.config")),
        `the message does not name the resolved path: ${error.message}`,
      );
      assert.match(error.message, /"~\/\.kube\/missing\.config"/, "the message does not name the path as configured");
      assert.match(error.message, /no such file/, "the message does not say why");
    });

    it("refuses an empty file rather than handing the provider nothing", () => {
      const home = temporaryHome();
      writeKubeconfig(home, "empty.config", "\n");
      assert.throws(() => readKubeconfigFile("~/empty.config", home), /kubeconfigPath.*is empty/);
    });
  });

  describe("resolveKubeconfig", () => {
    it("takes ml-platform:kubeconfig as content and keeps it secret", async () => {
      const resolved = resolveKubeconfig(kubernetesSettings(configWith({ kubeconfig: MICROK8S_KUBECONFIG })));
      assert.strictEqual(resolved.source.kind, "content");
      assert.strictEqual(await pulumi.isSecret(resolved.content), true, "the kubeconfig content is not a secret");
      assert.strictEqual(await promiseOf(resolved.content), MICROK8S_KUBECONFIG);
    });

    it("reads kubernetes.kubeconfigPath at deploy time and keeps the content secret", async () => {
      const home = temporaryHome();
      const file = writeKubeconfig(home, ".kube/microk8s.config");
      const resolved = resolveKubeconfig(
        kubernetesSettings(configWith({ kubeconfig: "", kubernetes: { kubeconfigPath: "~/.kube/microk8s.config" } })),
        home,
      );
      assert.deepStrictEqual(resolved.source, {
        kind: "file",
        key: "ml-platform:kubernetes.kubeconfigPath",
        path: file,
      });
      assert.strictEqual(
        await pulumi.isSecret(resolved.content),
        true,
        "the kubeconfig read from the file is not a secret",
      );
      assert.strictEqual(await promiseOf(resolved.content), MICROK8S_KUBECONFIG);
    });

    it("refuses both sources at once, since they may name different clusters", () => {
      const home = temporaryHome();
      writeKubeconfig(home, "config");
      const config = configWith({ kubeconfig: MICROK8S_KUBECONFIG, kubernetes: { kubeconfigPath: "~/config" } });
      assert.throws(
        () => resolveKubeconfig(kubernetesSettings(config), home),
        /both ml-platform:kubeconfig and ml-platform:kubernetes\.kubeconfigPath are set/,
      );
    });

    it("refuses neither, rather than falling back to the ambient kubeconfig", () => {
      const config = configWith({ kubeconfig: "", kubernetes: { kubeconfigPath: "" } });
      assert.throws(
        () => resolveKubeconfig(kubernetesSettings(config), temporaryHome()),
        /ambient kubeconfig is never used/,
      );
    });
  });

  describe("createClusterProvider", () => {
    for (const context of ["microk8s", ""]) {
      it(`registers a kubernetes provider with the kubeconfig as a secret and ${context ? `context "${context}"` : "the file's current context"}`, async () => {
        const built = await build(() =>
          createClusterProvider("cluster", {
            kubeconfig: resolveKubeconfig(kubernetesSettings(configWith({ kubeconfig: MICROK8S_KUBECONFIG }))),
            context,
            clusterIdentifier: "ml-platform-test",
          }),
        );
        const provider = single(built, K8S.provider);
        assert.ok(
          isSecretValue(provider.inputs.kubeconfig),
          `${provider.name}: the kubeconfig reached the provider in clear`,
        );
        assert.strictEqual(
          unwrapSecrets(provider.inputs.kubeconfig),
          MICROK8S_KUBECONFIG,
          `${provider.name}: the kubeconfig changed on the way`,
        );
        assert.strictEqual(
          provider.inputs.context,
          context === "" ? undefined : context,
          `${provider.name}: wrong context`,
        );
        assert.strictEqual(
          provider.inputs.clusterIdentifier,
          "ml-platform-test",
          `${provider.name}: no cluster identifier, so a refreshed certificate would replace everything`,
        );
      });
    }
  });
});
