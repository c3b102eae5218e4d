import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DeliveredDirectory, FileDelivery, seedScript, stagedPath } from "../../../components/docker/file-delivery";
import { promiseOf } from "../../support/mocks";
import { build, CONTAINER, ExitingMocks, labelsOf, ofKind, registration, VOLUME } from "./harness";
import { cpuLimitMillis } from "../../../components/docker/container";

const identity = { instance: "ml-platform-test", name: "postgres", component: "database" };
const SECRET = "FAKEPASSWORDfakepassword0123456789";

function deliver(directories: DeliveredDirectory[]): FileDelivery {
  return new FileDelivery("files", { image: "sha256:postgres-image", directories, identity });
}

const secretsAndScripts: DeliveredDirectory[] = [
  {
    path: "/run/secrets",
    files: [{ name: "POSTGRES_PASSWORD", content: pulumi.secret(SECRET), mode: "0400", owner: { uid: 999, gid: 999 } }],
  },
  { path: "/opt/ml", files: [{ name: "serve.py", content: "print('hi')\n", mode: "0444" }] },
];

describe("docker target: FileDelivery", () => {
  it("makes one volume per directory and mounts them read-only, without copying the image's content", async () => {
    const built = await build(() => deliver(secretsAndScripts));
    const volumes = ofKind(built, VOLUME);
    assert.strictEqual(
      volumes.length,
      2,
      `expected a volume per directory, got ${volumes.map((volume) => volume.name).join(", ")}`,
    );
    const mounts = await promiseOf(pulumi.output(built.result.mounts));
    assert.deepStrictEqual(
      mounts.map((mount) => [mount.target, mount.readOnly, mount.volumeOptions?.noCopy]),
      [
        ["/run/secrets", true, true],
        ["/opt/ml", true, true],
      ],
      "FileDelivery files: the mounts are not the two directories, read-only and noCopy",
    );
  });

  it("hands secrets to the seeder only as uploads, never in its command or environment", async () => {
    const built = await build(() => deliver(secretsAndScripts));
    const seeder = registration(built, CONTAINER, "files-seed");
    const visible = JSON.stringify({ ...seeder.inputs, uploads: undefined });
    assert.ok(!visible.includes(SECRET), `the secret appears outside the uploads of ${seeder.name}`);
    assert.ok(JSON.stringify(seeder.inputs.uploads).includes(SECRET), `${seeder.name} does not upload the secret`);
    assert.strictEqual(seeder.inputs.envs, undefined, `${seeder.name} has an environment`);
  });

  it("runs the seeder once, as root with only CAP_CHOWN, and records its exit code", async () => {
    const built = await build(() => deliver(secretsAndScripts));
    const seeder = registration(built, CONTAINER, "files-seed");
    assert.strictEqual(seeder.inputs.user, "0:0", `${seeder.name} must run as root to hand files to their owner`);
    assert.deepStrictEqual(
      seeder.inputs.capabilities,
      { drops: ["ALL"], adds: ["CHOWN"] },
      `${seeder.name} holds more than CAP_CHOWN`,
    );
    assert.deepStrictEqual(
      [seeder.inputs.attach, seeder.inputs.logs, seeder.inputs.mustRun],
      [true, true, false],
      `${seeder.name} is not run to completion (attach, logs, mustRun false)`,
    );
    assert.ok(
      (seeder.inputs.memory as number) > 0 && cpuLimitMillis(seeder.inputs) > 0,
      `${seeder.name} has no memory or CPU limit`,
    );
    assert.strictEqual(
      labelsOf(seeder)["app.kubernetes.io/name"],
      "postgres",
      `${seeder.name} is not labelled with its workload`,
    );
  });

  it("is ready only when the seeder succeeded, and says why when it did not", async () => {
    const built = await build(() => deliver(secretsAndScripts), new ExitingMocks(1, "chown: invalid user\n"));
    await assert.rejects(promiseOf(built.result.ready), (error: Error) => {
      assert.match(error.message, /exit code 1/, "the failure does not give the exit code");
      assert.match(error.message, /chown: invalid user/, "the failure does not quote the seeder's log");
      assert.match(error.message, /files-seed/, "the failure does not name the seeder");
      return true;
    });
  });

  it("rejects file names that would escape their directory", () => {
    assert.throws(
      () => seedScript([{ path: "/opt/ml", files: [{ name: "../etc/passwd", content: "x", mode: "0444" }] }]),
      /not a plain file name/,
    );
    assert.throws(() => seedScript([{ path: "relative", files: [] }]), /absolute path/);
  });

  describe("the seed script, run for real with sh", () => {
    let root: string;
    const uid = os.userInfo().uid;
    const gid = os.userInfo().gid;

    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "seed-"));
    });

    function stage(directories: DeliveredDirectory[], roots: { staging: string; target: string }): void {
      directories.forEach((directory, index) => {
        fs.mkdirSync(path.join(roots.target, String(index)), { recursive: true });
        for (const file of directory.files) {
          if (file.content === "") continue;
          const staged = stagedPath(index, file.name, roots);
          fs.mkdirSync(path.dirname(staged), { recursive: true });
          fs.writeFileSync(staged, String(file.content));
        }
      });
    }

    it("writes each file with its mode and owner, removes stale files and the staged copies", () => {
      const roots = { staging: path.join(root, "staging"), target: path.join(root, "target") };
      const directories: DeliveredDirectory[] = [
        { path: "/run/secrets", files: [{ name: "TOKEN", content: "t0ken-value", mode: "0400", owner: { uid, gid } }] },
        {
          path: "/opt/ml",
          files: [
            { name: "serve.py", content: "print(1)\n", mode: "0444" },
            { name: "empty.py", content: "", mode: "0444" },
          ],
        },
      ];
      stage(directories, roots);
      fs.writeFileSync(path.join(roots.target, "1", "old.py"), "stale");
      const result = spawnSync("/bin/sh", ["-c", seedScript(directories, roots)], { encoding: "utf8" });
      assert.strictEqual(result.status, 0, `seed script failed: ${result.stderr}`);

      const token = path.join(roots.target, "0", "TOKEN");
      assert.strictEqual(fs.readFileSync(token, "utf8"), "t0ken-value", "TOKEN does not hold the staged content");
      assert.strictEqual(fs.statSync(token).mode & 0o777, 0o400, "TOKEN is not mode 0400");
      assert.strictEqual(fs.statSync(token).uid, uid, "TOKEN is not owned by its owner");
      assert.strictEqual(
        fs.statSync(path.join(roots.target, "1", "serve.py")).mode & 0o777,
        0o444,
        "serve.py is not mode 0444",
      );
      assert.strictEqual(
        fs.readFileSync(path.join(roots.target, "1", "empty.py"), "utf8"),
        "",
        "an empty file was not created",
      );
      assert.ok(!fs.existsSync(path.join(roots.target, "1", "old.py")), "a file no longer delivered was left behind");
      assert.ok(!fs.existsSync(roots.staging), "the staged copies (secrets included) were not deleted");
      assert.deepStrictEqual(
        fs.readdirSync(path.join(roots.target, "0")),
        ["TOKEN"],
        "temporary files were left behind",
      );
    });
  });
});
