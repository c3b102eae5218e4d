import * as assert from "assert";
import {
  addBudgets,
  budgetOf,
  commandFor,
  environmentFor,
  filePlan,
  hardeningArgs,
  resourceArgs,
  tmpfsFor,
} from "../../../components/docker/container";
import { SECRETS_DIRECTORY } from "../../../components/docker/file-delivery";
import { ContainerSpec, Resources } from "../../../platform/model";
import { FAKE_SECRETS, specWith, testContext } from "./harness";

const spec = specWith();
const byName = (name: string): ContainerSpec => {
  const service = spec.services.find((candidate) => candidate.name === name);
  if (!service) throw new Error(`no service ${name} in the spec`);
  return service.container;
};

const resources: Resources = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { cpu: "1.5", memory: "1Gi" },
  gpus: 0,
};

describe("docker target: container settings", () => {
  describe("resources", () => {
    it("turns Kubernetes quantities into Docker's units: MiB, decimal cores, CPU weight", () => {
      const args = resourceArgs(budgetOf(resources));
      assert.strictEqual(args.memory, 1024, "1Gi is 1024 MiB");
      assert.strictEqual(args.memoryReservation, 256, "the memory request becomes the soft reservation");
      assert.strictEqual(args.memorySwap, 1024, "swap must not extend the memory limit");
      assert.ok(!("cpus" in args), "no `cpus`: Docker refuses it above the host's CPU count");
      assert.strictEqual(args.cpuPeriod, 100000, "the default CFS period");
      assert.strictEqual(args.cpuQuota, 150000, "1.5 cores is 1.5 periods of quota");
      assert.strictEqual(args.cpuShares, 256, "250m of requests is a quarter of Docker's default weight of 1024");
      assert.strictEqual(args.deviceRequests, undefined, "no GPUs were asked for");
    });

    it("requests GPUs through an nvidia device request", () => {
      const args = resourceArgs(budgetOf({ ...resources, gpus: 2 }));
      assert.deepStrictEqual(args.deviceRequests, [{ driver: "nvidia", count: 2, capabilities: ["gpu"] }]);
    });

    it("adds budgets for containers that host several runs", () => {
      const total = addBudgets(budgetOf(resources), budgetOf(resources, 2));
      assert.deepStrictEqual([total.memoryMiB, total.cpuMillis], [3 * 1024, 3 * 1500], "one plus two copies");
    });

    it("never reserves more memory than the limit", () => {
      const args = resourceArgs(budgetOf({ ...resources, requests: { cpu: "1", memory: "4Gi" } }));
      assert.ok((args.memoryReservation as number) <= (args.memory as number), "the reservation exceeds the limit");
    });
  });

  describe("hardening", () => {
    it("runs read-only with a tmpfs for each writable path, as the spec's user, without capabilities or new privileges", () => {
      const server = byName("prefect-server");
      const args = hardeningArgs(server, 1024);
      assert.strictEqual(args.readOnly, true, "prefect-server: root filesystem is writable");
      assert.deepStrictEqual(
        Object.keys(args.tmpfs as Record<string, string>),
        [...server.writablePaths].sort(),
        "prefect-server: tmpfs paths",
      );
      assert.strictEqual(args.user, "1000:1000", "prefect-server: user");
      assert.deepStrictEqual(args.capabilities, { drops: ["ALL"] }, "prefect-server: capabilities");
      assert.deepStrictEqual(args.securityOpts, ["no-new-privileges:true"], "prefect-server: securityOpts");
    });

    it("sizes each tmpfs at a quarter of the memory limit, since its pages count against it", () => {
      assert.match(tmpfsFor(["/tmp"], 1024)["/tmp"], /size=256m/);
      assert.match(tmpfsFor(["/tmp"], 32)["/tmp"], /size=16m/, "a tiny container still gets a usable /tmp");
    });
  });

  describe("secrets and files", () => {
    const context = testContext(spec.services);

    it("points an image's *_FILE variable at the delivered file (postgres)", () => {
      const plan = filePlan(byName("postgres"), context);
      assert.deepStrictEqual(plan.fileVariables, { POSTGRES_PASSWORD_FILE: `${SECRETS_DIRECTORY}/POSTGRES_PASSWORD` });
      assert.deepStrictEqual(plan.variablesFromFiles, {}, "postgres needs no wrapper");
      const secretFile = plan.directories.find((directory) => directory.path === SECRETS_DIRECTORY)?.files[0];
      assert.deepStrictEqual(
        secretFile?.owner,
        { uid: 999, gid: 999 },
        "the password file must belong to the postgres user",
      );
      assert.strictEqual(secretFile?.mode, "0400", "the password file must be readable by its owner only");
    });

    it("wraps the command to read a secret without a *_FILE convention (prefect-server's database URL)", () => {
      const server = byName("prefect-server");
      const plan = filePlan(server, context);
      const command = commandFor(server, plan, "prefect-server") ?? [];
      assert.deepStrictEqual(command.slice(-3), ["prefect", "server", "start"], "the original command must run last");
      assert.match(
        command[2],
        /PREFECT_SERVER_DATABASE_CONNECTION_URL="\$\(cat \/run\/secrets\/PREFECT_SERVER_DATABASE_CONNECTION_URL\)"/,
      );
    });

    it("keeps every secret value out of the plain environment", () => {
      for (const service of spec.services) {
        const envs = environmentFor(service.container, filePlan(service.container, context), context);
        for (const value of Object.values(FAKE_SECRETS.postgres)) {
          assert.ok(!envs.some((entry) => entry.includes(value)), `${service.name}: a secret value is in envs`);
        }
        for (const variable of Object.keys(service.container.secretEnv)) {
          assert.ok(
            !envs.some((entry) => entry.startsWith(`${variable}=`)),
            `${service.name}: ${variable} is set in plain env`,
          );
        }
      }
    });

    it("resolves service addresses to network aliases (PREFECT_API_URL)", () => {
      const worker = spec.executorPools[0].worker;
      const envs = environmentFor(worker, filePlan(worker, context), context);
      assert.ok(envs.includes("PREFECT_API_URL=http://prefect-server:4200/api"), `prefect-worker: ${envs.join(", ")}`);
    });

    it("ships bundles as read-only files in their directory", () => {
      const serving = byName("model-serving");
      const bundle = filePlan(serving, context).directories.find((directory) => directory.path === "/opt/ml");
      assert.deepStrictEqual(
        bundle?.files.map((file) => [file.name, file.mode]),
        [["serve.py", "0444"]],
        "model-serving: /opt/ml",
      );
    });

    it("refuses to wrap a container that has no command of its own", () => {
      const server = byName("prefect-server");
      const commandless = { ...server, command: undefined };
      assert.throws(() => commandFor(commandless, filePlan(commandless, context), "prefect-server"), /spec gives none/);
    });
  });
});
