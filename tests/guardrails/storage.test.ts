import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decodeProjectConfig } from "../../config/load";
import { parsePlatformConfig } from "../../config/schema";
import {
  storageChanges,
  storageFingerprint,
  STORAGE_FINGERPRINT_OUTPUT,
  unreadableFingerprint,
} from "../../components/storage-guard";
import { projectRoot } from "../../platform/project-root";
import { RenderedResource } from "../../tools/render/model";
import { readStackConfig } from "../../tools/render/stack-config";
import { stackFileWith } from "../policy/stack-file";
import { renderStack, runRender, RenderRun } from "../support/render";

const PROD = {
  target: "kubernetes",
  environment: "production",
  kubernetes: { kubeconfigPath: "~/.kube/microk8s.config" },
};

/** A parsed config: a development docker stack unless the raw config says otherwise. */
function parsedConfig(raw: Record<string, unknown>) {
  return parsePlatformConfig({ target: "docker", environment: "development", ...raw });
}

function prodConfigFile(changes: Record<string, unknown>): string {
  return stackFileWith("prod", changes);
}

/** A previous run's outputs, as the StackReference to the current stack would read them. */
function previousOutputsFile(outputs: Record<string, unknown>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-previous-")), "outputs.json");
  fs.writeFileSync(file, JSON.stringify(outputs));
  return file;
}

function renderProd(configFile: string | undefined, previousOutputs: Record<string, unknown>): RenderRun {
  const args = ["--stack", "prod", "--previous-outputs", previousOutputsFile(previousOutputs)];
  return runRender(configFile ? [...args, "--config", configFile] : args);
}

function committedProdFingerprint(): Record<string, string> {
  const render = renderStack("prod");
  const fingerprint = render.outputs[STORAGE_FINGERPRINT_OUTPUT];
  assert.ok(
    fingerprint && typeof fingerprint === "object",
    `prod exports no ${STORAGE_FINGERPRINT_OUTPUT}: ${JSON.stringify(render.outputs)}`,
  );
  return fingerprint as Record<string, string>;
}

function options(resource: RenderedResource): string {
  return `${resource.urn}: protect=${resource.options.protect} retainOnDelete=${resource.options.retainOnDelete}`;
}

describe("nothing lost", () => {
  describe("in the prod render", () => {
    it("protects and keeps the database's StatefulSet claim template", () => {
      const statefulSets = renderStack("prod").resources.filter(
        (r) =>
          r.type === "kubernetes:apps/v1:StatefulSet" &&
          Array.isArray((r.inputs.spec as { volumeClaimTemplates?: unknown[] })?.volumeClaimTemplates),
      );
      const database = statefulSets.find((r) => JSON.stringify(r.inputs).includes("postgres"));
      assert.ok(
        database,
        `no postgres StatefulSet with volumeClaimTemplates among ${statefulSets.map((r) => r.urn).join(", ") || "no StatefulSets"}`,
      );
      assert.ok(database.options.protect && database.options.retainOnDelete, options(database));
      const policy =
        (database.inputs.spec as { persistentVolumeClaimRetentionPolicy?: Record<string, string> })
          .persistentVolumeClaimRetentionPolicy ?? {};
      assert.notStrictEqual(policy.whenDeleted, "Delete", `${database.urn} deletes its claims with the StatefulSet`);
    });

    for (const volume of ["data", "models"]) {
      it(`protects and keeps the ${volume} PersistentVolumeClaim`, () => {
        const claims = renderStack("prod").resources.filter(
          (r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim",
        );
        const claim = claims.find((r) =>
          new RegExp(`(^|-)${volume}$`).test(String((r.inputs.metadata as { name?: string })?.name ?? r.name)),
        );
        assert.ok(claim, `no ${volume} claim among ${claims.map((r) => r.urn).join(", ") || "no claims"}`);
        assert.ok(claim.options.protect && claim.options.retainOnDelete, options(claim));
      });
    }
  });

  describe("the storage fingerprint", () => {
    it("records what cannot change in place, per target", () => {
      const prod = storageFingerprint(parsedConfig(PROD));
      assert.strictEqual(prod["volumes.data.storageClass"], "microk8s-hostpath");
      assert.strictEqual(prod["database.storage.accessMode"], "ReadWriteOnce");
      assert.strictEqual(prod["kubernetes.namespace"], "ml-platform");
      assert.ok(
        !("volumes.data.size" in prod),
        "a claim's size may grow in place, so it is no part of the fingerprint",
      );
      const dev = storageFingerprint(parsedConfig({}));
      assert.deepStrictEqual(Object.keys(dev).sort(), [
        "docker.database.storage.size",
        "docker.host",
        "docker.volumes.data.size",
        "docker.volumes.models.size",
        "target",
      ]);
    });

    it("on Docker, treats every volume size change as a replacement: the size is a volume label", () => {
      const previous = storageFingerprint(parsedConfig({}));
      const changed = storageChanges(
        previous,
        parsedConfig({
          volumes: { data: { size: "20Gi" }, models: { size: "5Gi" } },
          database: { storage: { size: "1Gi" } },
        }),
      );
      assert.deepStrictEqual(
        changed.map((change) => change.key),
        ["ml-platform:volumes.data.size", "ml-platform:volumes.models.size", "ml-platform:database.storage.size"],
      );
      assert.match(changed[0].consequence, /Docker cannot change a volume's labels, so the volume would be replaced/);
      // A fingerprint from before sizes were recorded has nothing to compare.
      const { ["docker.volumes.data.size"]: _dropped, ...older } = previous;
      assert.deepStrictEqual(
        storageChanges(older, parsedConfig({ volumes: { data: { size: "20Gi" } } })).map((change) => change.key),
        [],
      );
    });

    it("names the key a user changed, including an inherited storage class", () => {
      const previous = storageFingerprint(parsedConfig(PROD));
      const inherited = storageChanges(
        previous,
        parsedConfig({ ...PROD, kubernetes: { ...PROD.kubernetes, storageClass: "fast-ssd" } }),
      );
      assert.deepStrictEqual(
        inherited.map((change) => change.key),
        [
          "ml-platform:kubernetes.storageClass (the default for volumes.data)",
          "ml-platform:kubernetes.storageClass (the default for volumes.models)",
          "ml-platform:kubernetes.storageClass (the default for database.storage)",
        ],
      );
      const own = storageChanges(
        previous,
        parsedConfig({ ...PROD, volumes: { models: { accessMode: "ReadWriteMany", storageClass: "nfs" } } }),
      );
      assert.deepStrictEqual(own.map((change) => change.key).sort(), [
        "ml-platform:volumes.models.accessMode",
        "ml-platform:volumes.models.storageClass",
      ]);
    });

    it("reports a target switch alone, and nothing for a first run", () => {
      const previous = storageFingerprint(parsedConfig(PROD));
      assert.deepStrictEqual(
        storageChanges(previous, parsedConfig({})).map((change) => change.key),
        ["ml-platform:target"],
      );
      assert.deepStrictEqual(storageChanges(undefined, parsedConfig(PROD)), []);
    });
  });

  describe("the storage fingerprint, read strictly", () => {
    it("takes 20Gi and 20480Mi as the same size: respelling a size replaces nothing", () => {
      const previous = storageFingerprint(parsedConfig({ volumes: { data: { size: "20Gi" } } }));
      assert.deepStrictEqual(storageChanges(previous, parsedConfig({ volumes: { data: { size: "20480Mi" } } })), []);
      const prodPrevious = storageFingerprint(parsedConfig({ ...PROD, database: { storage: { size: "20Gi" } } }));
      assert.deepStrictEqual(
        storageChanges(prodPrevious, parsedConfig({ ...PROD, database: { storage: { size: "20480Mi" } } })),
        [],
      );
    });

    it("records the executor namespace, whose claims a rename would replace", () => {
      const previous = storageFingerprint(parsedConfig(PROD));
      assert.strictEqual(previous["kubernetes.executorNamespace"], "ml-executors");
      const renamed = storageChanges(
        previous,
        parsedConfig({ ...PROD, kubernetes: { ...PROD.kubernetes, executorNamespace: "flow-runs" } }),
      );
      assert.deepStrictEqual(
        renamed.map((change) => change.key),
        ["ml-platform:kubernetes.executorNamespace"],
      );
    });

    it("fails closed on a previous fingerprint it cannot read", () => {
      const config = parsedConfig(PROD);
      assert.strictEqual(unreadableFingerprint(undefined, config), undefined, "a first run has nothing to compare");
      assert.strictEqual(unreadableFingerprint(storageFingerprint(config), config), undefined);
      assert.match(unreadableFingerprint("garbage", config) ?? "", /not a mapping/);
      assert.match(unreadableFingerprint([1, 2], config) ?? "", /not a mapping/);
      assert.match(
        unreadableFingerprint({ ...storageFingerprint(config), "kubernetes.namespace": 7 }, config) ?? "",
        /records kubernetes\.namespace as something other than text/,
      );
    });
  });

  describe("a change that would replace storage", () => {
    it("is refused with the key, the old and new value and the way out; nothing is written", () => {
      const previous = { ...committedProdFingerprint(), "volumes.data.storageClass": "fast-ssd" };
      const run = renderProd(prodConfigFile({ "volumes.data.storageClass": "microk8s-hostpath" }), {
        [STORAGE_FINGERPRINT_OUTPUT]: previous,
      });
      assert.notStrictEqual(run.status, 0, `the render accepted a storage class change:\n${run.stdout}`);
      assert.match(run.stderr, /ml-platform:volumes\.data\.storageClass: was "fast-ssd", now "microk8s-hostpath"/);
      assert.match(run.stderr, /storage class cannot change/);
      assert.match(run.stderr, /ml-platform:allowStorageReplacement/);
      assert.doesNotMatch(run.stderr, /^\s+at /m, "the refusal printed a stack trace");
      assert.ok(!fs.existsSync(path.join(run.outDir, "prod")), "a refused render wrote files");
    });

    it("is refused for the database's claim template (access mode)", () => {
      const previous = { ...committedProdFingerprint(), "database.storage.accessMode": "ReadWriteOncePod" };
      const run = renderProd(undefined, { [STORAGE_FINGERPRINT_OUTPUT]: previous });
      assert.notStrictEqual(run.status, 0, run.stdout);
      assert.match(
        run.stderr,
        /ml-platform:database\.storage\.accessMode: was "ReadWriteOncePod", now "ReadWriteOnce"; .*volumeClaimTemplate/,
      );
    });

    it("goes through, with a warning, when the stack opts in for the run", () => {
      const previous = { ...committedProdFingerprint(), "kubernetes.namespace": "ml-old" };
      const run = renderProd(prodConfigFile({ allowStorageReplacement: true }), {
        [STORAGE_FINGERPRINT_OUTPUT]: previous,
      });
      assert.strictEqual(run.status, 0, run.stderr);
      assert.match(
        run.stdout + run.stderr,
        /allowStorageReplacement is true: storage will be replaced for ml-platform:kubernetes\.namespace \("ml-old" -> "ml-platform"\)/,
      );
    });

    it("is refused on Docker for a volume size, which Docker keeps as a volume label", () => {
      const committedDev = parsedConfig(decodeProjectConfig(readStackConfig(projectRoot(), "dev").config));
      const args = ["--stack", "dev", "--previous-outputs"];
      const run = runRender([
        ...args,
        previousOutputsFile({ [STORAGE_FINGERPRINT_OUTPUT]: storageFingerprint(committedDev) }),
        "--config",
        stackFileWith("dev", { "volumes.models.size": "4Gi" }),
      ]);
      assert.notStrictEqual(run.status, 0, `the render accepted a Docker volume size change:\n${run.stdout}`);
      assert.match(
        run.stderr,
        /ml-platform:volumes\.models\.size: was "2Gi", now "4Gi"; on Docker the size is a label/,
      );
      assert.doesNotMatch(run.stderr, /^\s+at /m, "the refusal printed a stack trace");
      assert.ok(!fs.existsSync(path.join(run.outDir, "dev")), "a refused render wrote files");
    });

    it("is not what growing a claim is: a bigger data volume renders", () => {
      const previous = committedProdFingerprint();
      const run = renderProd(prodConfigFile({ "volumes.data.size": "80Gi" }), {
        [STORAGE_FINGERPRINT_OUTPUT]: previous,
      });
      assert.strictEqual(run.status, 0, run.stderr);
    });

    it("records the fingerprint the next run compares against", () => {
      const run = renderProd(undefined, {});
      assert.strictEqual(run.status, 0, run.stderr);
      const written = JSON.parse(fs.readFileSync(path.join(run.outDir, "prod", "resources.json"), "utf8")) as {
        outputs: Record<string, unknown>;
      };
      const committed = parsedConfig(decodeProjectConfig(readStackConfig(projectRoot(), "prod").config));
      assert.deepStrictEqual(written.outputs[STORAGE_FINGERPRINT_OUTPUT], storageFingerprint(committed));
    });
  });
});
