import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { projectRoot } from "../../platform/project-root";
import { stringLeaves } from "../../policy/rules/values";
import { SECRET_SENTINEL, sentinelFor } from "../../tools/render/mocks";
import { Render, RenderedResource, SECRET_MASK } from "../../tools/render/model";
import { runRender } from "../support/render";

/** Where a secret may be written: inside Secret objects, Docker secret files, and a provider's credentials. */
function allowedLocation(resource: RenderedResource, leafPath: string): boolean {
  if (resource.type === "kubernetes:core/v1:Secret") return /^(stringData|data)\./.test(leafPath);
  if (resource.type === "docker:index/secret:Secret") return leafPath === "data";
  if (resource.type === "docker:index/container:Container")
    return /^uploads(\[\d+\](\.(content|contentBase64))?)?$/.test(leafPath);
  if (resource.type === "pulumi:providers:kubernetes") return leafPath === "kubeconfig";
  return false;
}

/** A text, and what it decodes to when it is base64: a sentinel must not hide in an encoding either. */
function readings(text: string): string[] {
  const decoded =
    /^[A-Za-z0-9+/]{16,}={0,2}$/.test(text) && text.length % 4 === 0
      ? Buffer.from(text, "base64").toString("utf8")
      : undefined;
  return decoded ? [text, decoded] : [text];
}

interface Sighting {
  urn: string;
  path: string;
  allowed: boolean;
}

function sightings(render: Render): Sighting[] {
  return render.resources.flatMap((resource) =>
    stringLeaves(resource.inputs)
      .filter((leaf) => readings(leaf.value).some((text) => text.includes(SECRET_SENTINEL)))
      .map((leaf) => ({ urn: resource.urn, path: leaf.path, allowed: allowedLocation(resource, leaf.path) })),
  );
}

/** The stack file with a secure kubeconfig (as `pulumi config set --secret` leaves it) in place of the path. */
function withSecureKubeconfig(stack: string): string {
  const document = parse(fs.readFileSync(path.join(projectRoot(), `Pulumi.${stack}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  document.config["ml-platform:kubeconfig"] = { secure: "v1:c2VudGluZWw=:ZmFrZSBjaXBoZXJ0ZXh0IGZvciB0aGUgdGVzdA==" };
  const kubernetes = document.config["ml-platform:kubernetes"] as Record<string, unknown> | undefined;
  if (kubernetes) delete kubernetes.kubeconfigPath;
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-hygiene-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stringify(document));
  return file;
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("secret hygiene", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    describe(`of ${stack}, rendered with sentinel secrets`, () => {
      let render: Render & { outDir: string };

      before(function () {
        this.timeout(120000);
        const run = runRender(["--stack", stack, "--config", withSecureKubeconfig(stack), "--secret-sentinels"]);
        assert.strictEqual(run.status, 0, `sentinel render of ${stack} failed:\n${run.stderr}`);
        render = {
          ...(JSON.parse(fs.readFileSync(path.join(run.outDir, stack, "resources.json"), "utf8")) as Render),
          outDir: run.outDir,
        };
      });

      it("delivers the generated secrets somewhere (or the test would prove nothing)", () => {
        const allowed = sightings(render).filter((sighting) => sighting.allowed);
        assert.ok(allowed.length > 0, `no sentinel reached a Secret or a secret file in ${stack}`);
      });

      it("writes them only inside Secret objects, secret files or the provider's credentials", () => {
        const leaks = sightings(render).filter((sighting) => !sighting.allowed);
        assert.deepStrictEqual(
          leaks.map((leak) => `${leak.urn} at ${leak.path}`),
          [],
          `secret values outside Secrets/secret files in ${stack}`,
        );
      });

      it(
        stack === "prod"
          ? "hands the secure kubeconfig to the provider alone"
          : "does not use the secure kubeconfig at all",
        () => {
          const kubeconfig = sentinelFor("secure:ml-platform:kubeconfig");
          const found = render.resources.flatMap((resource) =>
            stringLeaves(resource.inputs)
              .filter((leaf) => leaf.value.includes(kubeconfig))
              .map((leaf) => `${resource.type} at ${leaf.path}`),
          );
          assert.deepStrictEqual(
            found,
            stack === "prod" ? ["pulumi:providers:kubernetes at kubeconfig"] : [],
            `where the kubeconfig went in ${stack}`,
          );
        },
      );

      it("keeps them out of the stack outputs", () => {
        const outputs = JSON.stringify(render.outputs);
        assert.ok(!outputs.includes(SECRET_SENTINEL), `a secret reached the outputs of ${stack}: ${outputs}`);
        assert.strictEqual(render.outputs.prefectAuthString, SECRET_MASK, "the Prefect login is not a secret output");
      });

      it("keeps them out of every written file but Secret manifests", () => {
        const written = filesUnder(path.join(render.outDir, stack)).filter(
          (file) => path.basename(file) !== "resources.json",
        );
        const leaking = written.filter((file) => {
          const text = fs.readFileSync(file, "utf8");
          if (!text.includes(SECRET_SENTINEL)) return false;
          return !(path.basename(path.dirname(file)) === "manifests" && /^kind: Secret$/m.test(text));
        });
        assert.deepStrictEqual(
          leaking.map((file) => path.relative(render.outDir, file)),
          [],
          `files of ${stack} holding secrets`,
        );
      });
    });
  }
});

/** Keys of a stack file that hold a secret by their name, or that Pulumi.yaml declares secret. */
function secretKeyName(key: string, declaredSecret: Set<string>): boolean {
  const name =
    key
      .slice(key.lastIndexOf(":") + 1)
      .split(".")
      .pop() ?? key;
  return (
    declaredSecret.has(key) ||
    /(password|passwd|passphrase|secret|token|apikey|api_key|privatekey|private_key|credentials?)$/i.test(name) ||
    /^kubeconfig$/i.test(name)
  );
}

/** What a plain value looks like when it is secret material anyway. */
const SECRET_CONTENT = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /client-key-data:/,
  /\btoken:\s*\S{8,}/,
  /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i,
];

/** Problems in a stack file: secret keys with plain values, and plain values that look like secrets. */
function plaintextSecrets(document: unknown, declaredSecret: Set<string>): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, key: string) => {
    const isSecure =
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length === 1 &&
      typeof (value as { secure?: unknown }).secure === "string";
    if (isSecure) return;
    if (typeof value === "string") {
      if (secretKeyName(key, declaredSecret) && value !== "")
        problems.push(`${key} holds a plain value; set it with \`pulumi config set --secret\``);
      else if (SECRET_CONTENT.some((pattern) => pattern.test(value)))
        problems.push(`${key} holds secret material in plain text`);
      return;
    }
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${key}[${index}]`));
    else if (typeof value === "object" && value !== null) {
      for (const [child, inner] of Object.entries(value)) walk(inner, key ? `${key}.${child}` : child);
    } else if (value !== null && value !== undefined && secretKeyName(key, declaredSecret)) {
      problems.push(`${key} holds a plain value; set it with \`pulumi config set --secret\``);
    }
  };
  const config = (document as { config?: unknown })?.config ?? {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) walk(value, key);
  return problems;
}

function declaredSecretKeys(): Set<string> {
  const project = parse(fs.readFileSync(path.join(projectRoot(), "Pulumi.yaml"), "utf8")) as {
    name: string;
    config?: Record<string, { secret?: boolean }>;
  };
  return new Set(
    Object.entries(project.config ?? {})
      .filter(([, declaration]) => declaration?.secret === true)
      .map(([key]) => `${project.name}:${key}`),
  );
}

describe("stack files", () => {
  for (const stack of ["prod", "dev"]) {
    it(`Pulumi.${stack}.yaml holds secrets only as secure: values`, () => {
      const document = parse(fs.readFileSync(path.join(projectRoot(), `Pulumi.${stack}.yaml`), "utf8"));
      assert.deepStrictEqual(plaintextSecrets(document, declaredSecretKeys()), [], `Pulumi.${stack}.yaml`);
    });
  }

  it("the check catches a plain kubeconfig, a password and secret material under an innocent key", () => {
    const document = parse(
      [
        "config:",
        "  ml-platform:kubeconfig: |",
        "    apiVersion: v1",
        "    users: [{name: admin, user: {client-key-data: QUJD}}]",
        "  ml-platform:database:",
        "    password: hunter2",
        "  ml-platform:server:",
        "    publicUrl: https://admin:letmein@ml.example.com",
        "  ml-platform:images:",
        "    registryToken: { secure: v1:abc }",
        "  ml-platform:kubernetes:",
        "    kubeconfigPath: ~/.kube/microk8s.config",
      ].join("\n"),
    );
    assert.deepStrictEqual(plaintextSecrets(document, new Set()).sort(), [
      "ml-platform:database.password holds a plain value; set it with `pulumi config set --secret`",
      "ml-platform:kubeconfig holds a plain value; set it with `pulumi config set --secret`",
      "ml-platform:server.publicUrl holds secret material in plain text",
    ]);
  });
});
