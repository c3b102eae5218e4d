/**
 * secrets.yaml: the prod render's Secrets with real values, so the manifests
 * deploy with kubectl where no Pulumi engine runs (the real-runtime suite does).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse, parseAllDocuments } from "yaml";
import { KUBERNETES_SECRETS_FILE } from "../../../components/kubernetes/offline/secrets-file";
import { parseSecretsFile, SECRETS_FILE } from "../../../tools/render/generated-passwords";
import { SECRET_SENTINEL } from "../../../tools/render/mocks";
import { runRender } from "../../support/render";

type Json = Record<string, unknown>;

function readSecrets(outDir: string): Json[] {
  const text = fs.readFileSync(path.join(outDir, "prod", KUBERNETES_SECRETS_FILE), "utf8");
  return parseAllDocuments(text).map((document) => document.toJS() as Json);
}

/** Every secretKeyRef and secret volume name the prod manifests use. */
function referencedSecretNames(outDir: string): string[] {
  const names = new Set<string>();
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") {
      const record = value as Json;
      if (record.secretKeyRef) names.add(String((record.secretKeyRef as Json).name));
      if (typeof record.secretName === "string") names.add(record.secretName);
      Object.values(record).forEach(walk);
    }
  };
  const dir = path.join(outDir, "prod", "manifests");
  for (const file of fs.readdirSync(dir)) walk(parse(fs.readFileSync(path.join(dir, file), "utf8")));
  return [...names].sort();
}

describe("the offline render: secrets.yaml for kubectl", () => {
  const sentinel = runRender(["--stack", "prod", "--secret-sentinels"]);

  it("holds one Secret per masked Secret manifest, named as the workloads refer to it", () => {
    assert.strictEqual(sentinel.status, 0, sentinel.stderr);
    const secrets = readSecrets(sentinel.outDir);
    const masked = fs
      .readdirSync(path.join(sentinel.outDir, "prod", "manifests"))
      .filter((file) => file.startsWith("secret_"));
    assert.strictEqual(secrets.length, masked.length, "Secrets in secrets.yaml vs masked Secret manifests");
    const placed = secrets.map((secret) => {
      const metadata = secret.metadata as Json;
      return `${String(metadata.namespace)}/${String(metadata.name)}`;
    });
    // The executor namespace's copies of the login and the intake's token are read by flow runs
    // through the job template (a file).
    assert.deepStrictEqual(placed.sort(), [
      "ml-executors/model-publish",
      "ml-executors/prefect-auth",
      ...referencedSecretNames(sentinel.outDir).map((name) => `ml-platform/${name}`),
    ]);
    for (const secret of secrets) assert.strictEqual(secret.kind, "Secret");
  });

  it("is readable by its owner only and carries generated passwords, never the render's stand-ins", () => {
    for (const file of [KUBERNETES_SECRETS_FILE, SECRETS_FILE])
      assert.strictEqual(
        fs.statSync(path.join(sentinel.outDir, "prod", file)).mode & 0o777,
        0o600,
        `${file} is readable by others`,
      );
    const text = fs.readFileSync(path.join(sentinel.outDir, "prod", KUBERNETES_SECRETS_FILE), "utf8");
    assert.ok(!text.includes(SECRET_SENTINEL), "a mock value reached secrets.yaml");
    const passwords = parseSecretsFile(fs.readFileSync(path.join(sentinel.outDir, "prod", SECRETS_FILE), "utf8"));
    const database = passwords.get("ML_PLATFORM_SECRETS_VALUES_POSTGRES_PASSWORD");
    const prefect = passwords.get("ML_PLATFORM_SECRETS_VALUES_PREFECT_AUTH_PASSWORD");
    assert.ok(database && /^[A-Za-z0-9]{32}$/.test(database), "no 32-character database password");
    assert.ok(prefect && /^[A-Za-z0-9]{32}$/.test(prefect), "no 32-character Prefect password");
    const data = Object.fromEntries(
      readSecrets(sentinel.outDir).map((secret) => [
        String((secret.metadata as Json).name),
        secret.stringData as Record<string, string>,
      ]),
    );
    assert.deepStrictEqual(data["ml-platform-secrets-postgres"], {
      "database-url": `postgresql+asyncpg://prefect:${database}@postgres.ml-platform.svc.cluster.local:5432/prefect`,
      password: database,
    });
    assert.deepStrictEqual(data["ml-platform-secrets-prefect-auth"], {
      "auth-string": `admin:${prefect}`,
      password: prefect,
    });
    assert.deepStrictEqual(data["prefect-auth"], { "auth-string": `admin:${prefect}` });
  });

  it("keeps the passwords when the stack is rendered again into the same folder", () => {
    const before = fs.readFileSync(path.join(sentinel.outDir, "prod", KUBERNETES_SECRETS_FILE), "utf8");
    const again = runRender(["--stack", "prod"], sentinel.outDir);
    assert.strictEqual(again.status, 0, again.stderr);
    const after = fs.readFileSync(path.join(sentinel.outDir, "prod", KUBERNETES_SECRETS_FILE), "utf8");
    assert.strictEqual(after, before, "a new render changed the Secrets' values");
  });
});
