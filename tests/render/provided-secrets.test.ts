/**
 * `providedSecrets`: a stack that supplies its own secret values generates
 * none of them (so `pulumi up` needs no random provider for them), and the
 * platform's Secrets carry the supplied values. Offline, encrypted values are
 * unreadable: the render stands a password-shaped sentinel in for each, so the
 * test can follow it into the Secrets.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { KUBERNETES_SECRETS_FILE } from "../../components/kubernetes/offline/secrets-file";
import { Render } from "../../tools/render/model";
import { sentinelFor } from "../../tools/render/sentinel";
import { renderConfig } from "../support/render";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";

function prodStack(providedSecrets: string): string {
  return [
    "config:",
    "  ml-platform:target: kubernetes",
    "  ml-platform:environment: production",
    "  ml-platform:kubernetes:",
    "    kubeconfigPath: /etc/ml-platform/kubeconfig",
    "    context: microk8s",
    providedSecrets,
    "",
  ].join("\n");
}

function generatedPasswords(outDir: string): string[] {
  const render = JSON.parse(fs.readFileSync(path.join(outDir, "prod", "resources.json"), "utf8")) as Render;
  return render.resources
    .filter((resource) => resource.type === RANDOM_PASSWORD)
    .map((resource) => resource.name)
    .sort();
}

describe("providedSecrets: secret values the stack supplies", () => {
  it("generates none of the supplied values and puts each into the platform's Secrets", () => {
    const run = renderConfig(
      "prod",
      prodStack(
        [
          "  ml-platform:providedSecrets:",
          "    prefect-auth: { password: { secure: v1:cHJlZmVjdA==:ZmFrZQ== } }",
          "    model-publish: { token: { secure: v1:bW9kZWw=:ZmFrZQ== } }",
          "    postgres: { password: { secure: v1:cG9zdGdyZXM=:ZmFrZQ== } }",
        ].join("\n"),
      ),
    );
    assert.strictEqual(run.status, 0, run.stderr);
    assert.deepStrictEqual(generatedPasswords(run.outDir), []);
    const secrets = fs.readFileSync(path.join(run.outDir, "prod", KUBERNETES_SECRETS_FILE), "utf8");
    for (const key of ["prefect-auth.password", "model-publish.token", "postgres.password"]) {
      const standIn = sentinelFor(`secure:ml-platform:providedSecrets.${key}`, 64);
      assert.ok(secrets.includes(standIn), `the Secrets do not carry the supplied ${key}`);
    }
  });

  it("still generates the values the stack leaves out", () => {
    const run = renderConfig(
      "prod",
      prodStack("  ml-platform:providedSecrets:\n    postgres: { password: { secure: v1:cG9zdGdyZXM=:ZmFrZQ== } }"),
    );
    assert.strictEqual(run.status, 0, run.stderr);
    assert.deepStrictEqual(generatedPasswords(run.outDir), [
      "ml-platform-secrets-values-model-publish-token",
      "ml-platform-secrets-values-prefect-auth-password",
    ]);
  });

  it("refuses one encrypted value for all of them offline, saying how to set them one by one", () => {
    const run = renderConfig("prod", prodStack("  ml-platform:providedSecrets: { secure: v1:YWxs:ZmFrZQ== }"));
    assert.notStrictEqual(run.status, 0);
    assert.match(run.stderr, /ml-platform:providedSecrets is one encrypted value/);
    assert.match(run.stderr, /pulumi config set --secret --path 'ml-platform:providedSecrets\.postgres\.password'/);
    assert.doesNotMatch(run.stderr, /\n\s+at /, "printed a stack trace");
  });
});
