/**
 * Checks, against the real engine, that the engine and each stand-in image
 * of every stack work the way the stacks run them: a non-root user, a read-only root,
 * tmpfs for the writable paths, every capability dropped, no new privileges,
 * Docker's init, user-defined networks with DNS aliases and ports published
 * on 127.0.0.1; and that every image serves the one-off root helpers that
 * seed files into volumes (/bin/sh, cp, chmod, chown, mv, rm); that each
 * tag's version is the one its image carries; and that the prod stack's
 * -kubernetes worker image carries the kubernetes worker type.
 */
import * as http from "http";
import * as net from "net";
import { nginxConfig } from "../../../components/docker/serving-proxy";
import { Engine } from "./engine";
import { leadingVersion } from "../../../config/images";
import { everyContext, StandInTags, StandInTagsByStack } from "./images";
import { Log, run, sleep } from "./run";

const PREFIX = `mlp-verify-${process.pid}`;
const PREFECT_VERSION = "3.6.10";
/** The prefect-kubernetes release images/prefect-kubernetes/requirements.in pins. */
const PREFECT_KUBERNETES_VERSION = "0.7.2";

/** The stack's hardening for a container (components/docker/container.ts), as docker run flags. */
function hardened(user: string, writablePaths: string[]): string[] {
  return [
    "--user",
    user,
    "--read-only",
    ...writablePaths.flatMap((path) => ["--tmpfs", `${path}:rw,noexec,nosuid,nodev,size=64m,mode=1777`]),
    "--cap-drop",
    "ALL",
    "--security-opt",
    "no-new-privileges:true",
    "--init",
    "--memory",
    "1g",
  ];
}

class Scratch {
  private readonly containers: string[] = [];
  private readonly volumes: string[] = [];
  readonly network = `${PREFIX}-net`;

  constructor(
    private readonly engine: Engine,
    private readonly log: Log,
  ) {}

  docker(args: string[], input?: string, timeoutSeconds = 120) {
    return run("docker", args, { env: this.engine.env, input, timeoutSeconds });
  }

  async setUp(): Promise<void> {
    await this.docker(["network", "create", this.network]);
  }

  async volume(name: string): Promise<string> {
    const volume = `${PREFIX}-${name}`;
    await this.docker(["volume", "create", volume]);
    this.volumes.push(volume);
    return volume;
  }

  /** A detached container on the scratch network, answering to `alias`. */
  async start(name: string, alias: string, args: string[]): Promise<string> {
    const container = `${PREFIX}-${name}`;
    this.containers.push(container);
    await this.docker([
      "run",
      "--detach",
      "--name",
      container,
      "--network",
      this.network,
      "--network-alias",
      alias,
      ...args,
    ]);
    return container;
  }

  /** A one-off container on the scratch network; its output. */
  async once(args: string[], input?: string): Promise<string> {
    const flags = input === undefined ? [] : ["--interactive"];
    return (await this.docker(["run", "--rm", ...flags, "--network", this.network, ...args], input)).stdout;
  }

  /** Writes `content` into a volume the way the platform's file delivery does: a root helper in the workload's image. */
  async seed(image: string, volume: string, file: string, content: string, mode: string, owner: string) {
    const script = `set -eu; umask 077; cat > /target/.${file}.new; chmod ${mode} /target/.${file}.new; chown ${owner} /target/.${file}.new; mv -f /target/.${file}.new /target/${file}; rm -f /target/.stale`;
    await this.once(
      // As the platform's seeders run: root, the shell as the entrypoint.
      ["--user", "0:0", "--volume", `${volume}:/target`, "--entrypoint", "/bin/sh", image, "-c", script],
      content,
    );
  }

  async logs(container: string): Promise<string> {
    const { stdout, stderr } = await this.docker(["logs", container]);
    return stdout + stderr;
  }

  async tearDown(): Promise<void> {
    for (const container of this.containers.reverse())
      await this.docker(["rm", "-f", "-v", container]).catch(() => undefined);
    for (const volume of this.volumes) await this.docker(["volume", "rm", "-f", volume]).catch(() => undefined);
    await this.docker(["network", "rm", this.network]).catch(() => undefined);
    this.log("verification containers, volumes and network removed");
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 5000 }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", reject);
  });
}

/** Polls `url` from the host until it answers 200, or fails with the container's log. */
async function waitForHttp(url: string, seconds: number, scratch: Scratch, container: string) {
  const deadline = Date.now() + seconds * 1000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const response = await httpGet(url);
      if (response.status === 200) return response;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(1000);
  }
  const tail = (await scratch.logs(container)).trim().split("\n").slice(-30).join("\n");
  throw new Error(`${url} did not answer 200 within ${seconds}s (${last}); ${container} logged:\n${tail}`);
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`verification failed: ${message}`);
}

/** What a hardened container sees of itself: user, capabilities, whether / is writable. */
async function checkHardening(scratch: Scratch, image: string, user: string, log: Log) {
  const report = await scratch.once([
    ...hardened(user, ["/tmp"]),
    "--entrypoint",
    "",
    image,
    "/bin/sh",
    "-c",
    'echo "id=$(id -u):$(id -g)"; grep CapEff /proc/self/status; if touch /probe 2>/dev/null; then echo root=writable; else echo root=read-only; fi; ' +
      "touch /tmp/probe && echo tmp=writable; command -v timeout date >/dev/null && date -u +date=%Y",
  ]);
  expect(report.includes(`id=${user}`), `${image} runs as ${user}: ${report}`);
  expect(/CapEff:\s*0+\n/.test(report), `${image} has no effective capabilities: ${report}`);
  expect(
    report.includes("root=read-only") && report.includes("tmp=writable"),
    `${image} root read-only, /tmp writable: ${report}`,
  );
  expect(/date=\d{4}/.test(report), `${image} has timeout and date: ${report}`);
  log(`${image}: runs as ${user}, no capabilities, read-only root, tmpfs /tmp, sh/timeout/date present`);
}

/** The engine: DNS aliases on a user-defined network, a port published on 127.0.0.1, the stack's hardening. */
export async function verifyEngine(engine: Engine, pythonImage: string, log: Log): Promise<void> {
  const scratch = new Scratch(engine, log);
  try {
    await scratch.setUp();
    await checkHardening(scratch, pythonImage, "1000:1000", log);
    const port = await freePort();
    const server = await scratch.start("web", "web", [
      ...hardened("1000:1000", ["/tmp"]),
      "--publish",
      `127.0.0.1:${port}:8000`,
      "--workdir",
      "/tmp",
      pythonImage,
      "python",
      "-m",
      "http.server",
      "8000",
    ]);
    await waitForHttp(`http://127.0.0.1:${port}/`, 30, scratch, server);
    log(`engine: 127.0.0.1:${port} published from a read-only, capability-less container answers the host`);
    const answer = await scratch.once([
      ...hardened("1000:1000", ["/tmp"]),
      pythonImage,
      "python",
      "-c",
      "import urllib.request; print(urllib.request.urlopen('http://web:8000/', timeout=5).status)",
    ]);
    expect(answer.trim() === "200", `a container reaches another by its network alias: ${answer}`);
    log("engine: a container on a user-defined network reaches another by its DNS alias");
  } finally {
    await scratch.tearDown();
  }
}

async function verifyHelpers(scratch: Scratch, stacks: StandInTagsByStack, log: Log) {
  const volume = await scratch.volume("helper");
  // Each image once, by one of its tags.
  for (const [image] of everyContext(stacks).values()) {
    await scratch.seed(image, volume, "probe", "seeded\n", "0400", "1000:1000");
    const listing = await scratch.once([
      "--user",
      "0:0",
      "--volume",
      `${volume}:/target`,
      "--entrypoint",
      "/bin/sh",
      image,
      "-c",
      "ls -ln /target/probe; rm /target/probe",
    ]);
    expect(
      /^-r-------- 1 1000 1000 /.test(listing.trim()),
      `a root helper in ${image} seeds a file with its mode and owner: ${listing}`,
    );
  }
  log("every image: a root /bin/sh helper copies, chmods, chowns, moves and removes files in a volume");
}

/** How each build context's image reports the version of what it stands in for (Prefect's is checked on its own). */
const VERSION_COMMANDS: Record<string, string> = {
  python: "python3 --version",
  postgres: "postgres --version",
  nginx: "nginx -v 2>&1",
};

/**
 * Every tag names the version its image carries, as far as it names one
 * (python:3.11-bookworm and python:3.11.2-bookworm both match Python 3.11.2):
 * Debian's point releases move PostgreSQL on, and a prod tag that names a
 * release must then be renamed, not left claiming the old one.
 */
async function verifyTaggedVersions(scratch: Scratch, stacks: StandInTagsByStack, log: Log) {
  for (const [context, tags] of everyContext(stacks)) {
    const command = VERSION_COMMANDS[context];
    if (command === undefined) continue;
    const output = await scratch.once(["--entrypoint", "/bin/sh", tags[0], "-c", command]);
    const carried = /(\d+(?:\.\d+)+)/.exec(output)?.[1] ?? "";
    for (const tag of tags) {
      const named = leadingVersion(tag.slice(tag.lastIndexOf(":") + 1)).join(".");
      expect(
        carried === named || carried.startsWith(`${named}.`),
        `${tag} names version ${named}, and its image carries ${carried || "none"} (${output.trim()})`,
      );
    }
    log(`${tags.join(", ")}: ${command.split(" ")[0]} reports ${carried}, which every tag's version names`);
  }
}

async function verifyPostgres(scratch: Scratch, image: string, password: string, log: Log): Promise<string> {
  const secrets = await scratch.volume("pg-secrets");
  const data = await scratch.volume("pg-data");
  await scratch.seed(image, secrets, "POSTGRES_PASSWORD", password, "0400", "999:999");
  // The platform hands the volume to the database's user before the first start, with chown as the entrypoint.
  await scratch.once([
    "--user",
    "0:0",
    "--volume",
    `${data}:/data`,
    "--entrypoint",
    "chown",
    image,
    "999:999",
    "/data",
  ]);
  const runArgs = [
    ...hardened("999:999", ["/tmp", "/var/run/postgresql"]),
    "--env",
    "PGDATA=/var/lib/postgresql/data/pgdata",
    "--env",
    "POSTGRES_PASSWORD_FILE=/run/secrets/POSTGRES_PASSWORD",
    "--env",
    "POSTGRES_USER=prefect",
    "--env",
    "POSTGRES_DB=prefect",
    "--mount",
    `type=volume,source=${data},target=/var/lib/postgresql/data,volume-nocopy`,
    "--mount",
    `type=volume,source=${secrets},target=/run/secrets,readonly,volume-nocopy`,
    image,
  ];
  const container = await scratch.start("postgres", "postgres", runArgs);
  const ready = async () => {
    for (let attempt = 0; attempt < 60; attempt += 1) {
      try {
        await scratch.docker([
          "exec",
          container,
          "pg_isready",
          "--host",
          "127.0.0.1",
          "--username",
          "prefect",
          "--dbname",
          "prefect",
        ]);
        return;
      } catch {
        await sleep(1000);
      }
    }
    throw new Error(`postgres did not become ready:\n${await scratch.logs(container)}`);
  };
  await ready();
  const psql = (sql: string, secret = password) =>
    scratch.once([
      ...hardened("999:999", ["/tmp"]),
      "--env",
      `PGPASSWORD=${secret}`,
      "--entrypoint",
      "",
      image,
      "psql",
      "--host",
      "postgres",
      "--username",
      "prefect",
      "--dbname",
      "prefect",
      "--tuples-only",
      "--no-align",
      "--command",
      sql,
    ]);
  await psql("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('survives a restart');");
  const wrong = await psql("SELECT 1", `${password}-wrong`).then(
    () => "accepted",
    (error: Error) => error.message,
  );
  expect(wrong.includes("password authentication failed"), `a wrong password is refused: ${wrong}`);
  const auth = await psql(
    "SELECT string_agg(DISTINCT auth_method, ',') FROM pg_hba_file_rules WHERE type = 'host' AND address = 'all'" +
      " UNION ALL SELECT (rolpassword LIKE 'SCRAM-SHA-256$%')::text FROM pg_authid WHERE rolname = 'prefect'",
  ).catch((error: Error) => error.message);
  expect(
    auth.trim() === "scram-sha-256\ntrue",
    `host connections use scram-sha-256 and the password is a SCRAM verifier: ${auth}`,
  );
  log(
    "postgres: initialised from POSTGRES_PASSWORD_FILE; a client on the network logs in with scram-sha-256, a wrong password is refused",
  );
  await scratch.docker(["restart", container], undefined, 120);
  await ready();
  const kept = await psql("SELECT value FROM kept");
  const initialisations = ((await scratch.logs(container)).match(/initialising a cluster/g) ?? []).length;
  expect(
    kept.trim() === "survives a restart" && initialisations === 1,
    `restart keeps the data without re-init: ${kept} / ${initialisations}`,
  );
  log("postgres: a restart keeps the data and does not initialise again");
  return container;
}

const PREFECT_ENV = [
  "HOME=/var/lib/prefect",
  "PREFECT_HOME=/var/lib/prefect",
  "PREFECT_SERVER_ANALYTICS_ENABLED=false",
].flatMap((value) => ["--env", value]);

function escaped(version: string): string {
  return version.replace(/\./g, "\\.");
}

/** `prefect version` as the stacks run Prefect (1000:1000, read-only root), checked; its output. */
async function checkPrefectVersion(scratch: Scratch, image: string, log: Log): Promise<string> {
  const version = await scratch.once([
    ...hardened("1000:1000", ["/tmp", "/var/lib/prefect"]),
    ...PREFECT_ENV,
    image,
    "prefect",
    "version",
  ]);
  expect(
    new RegExp(`Version:\\s+${escaped(PREFECT_VERSION)}\\b`).test(version),
    `${image}: prefect version shows ${PREFECT_VERSION}: ${version}`,
  );
  log(`${image}: \`prefect version\` reports ${PREFECT_VERSION} as 1000:1000 on a read-only root`);
  const refused = await scratch.once(["--env", "EXTRA_PIP_PACKAGES=prefect-docker", image, "prefect", "version"]).then(
    () => "started",
    (error: Error) => error.message,
  );
  expect(
    refused.includes("not supported by this offline stand-in"),
    `${image}: EXTRA_PIP_PACKAGES is refused: ${refused}`,
  );
  return version;
}

/** Starts a worker of `type` against the verification server and waits for its healthcheck; the container. */
async function startHealthyWorker(scratch: Scratch, image: string, type: string, pool: string): Promise<string> {
  const worker = await scratch.start(`prefect-worker-${type}`, `prefect-worker-${type}`, [
    ...hardened("1000:1000", ["/tmp", "/var/lib/prefect"]),
    ...PREFECT_ENV,
    "--env",
    "PREFECT_API_URL=http://prefect-server:4200/api",
    image,
    "prefect",
    "worker",
    "start",
    "--pool",
    pool,
    "--type",
    type,
    "--with-healthcheck",
  ]);
  let healthy = "";
  for (let attempt = 0; attempt < 90 && healthy === ""; attempt += 1) {
    await sleep(1000);
    healthy = await scratch
      .docker([
        "exec",
        worker,
        "python",
        "-c",
        "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=3).status)",
      ])
      .then(
        (result) => result.stdout.trim(),
        () => "",
      );
  }
  expect(healthy === "200", `the ${type} worker's healthcheck answers:\n${await scratch.logs(worker)}`);
  return worker;
}

/** The Prefect server on Postgres and a process worker; the server's port on 127.0.0.1. */
async function verifyPrefect(scratch: Scratch, image: string, password: string, log: Log): Promise<number> {
  await checkPrefectVersion(scratch, image, log);

  const port = await freePort();
  const server = await scratch.start("prefect-server", "prefect-server", [
    ...hardened("1000:1000", ["/tmp", "/var/lib/prefect"]),
    ...PREFECT_ENV,
    "--env",
    "PREFECT_UI_STATIC_DIRECTORY=/var/lib/prefect/ui",
    "--env",
    "PREFECT_SERVER_API_HOST=0.0.0.0",
    "--env",
    `PREFECT_SERVER_DATABASE_CONNECTION_URL=postgresql+asyncpg://prefect:${password}@postgres:5432/prefect`,
    "--publish",
    `127.0.0.1:${port}:4200`,
    image,
    "prefect",
    "server",
    "start",
  ]);
  await waitForHttp(`http://127.0.0.1:${port}/api/health`, 240, scratch, server);
  log(`prefect: \`prefect server start\` (UI files on a tmpfs) answers /api/health on 127.0.0.1:${port}, on Postgres`);

  await startHealthyWorker(scratch, image, "process", "verify-pool");
  const pool = await httpGet(`http://127.0.0.1:${port}/api/work_pools/verify-pool`);
  expect(
    pool.status === 200 && pool.body.includes('"type":"process"'),
    `the worker created its process pool: ${pool.status} ${pool.body.slice(0, 200)}`,
  );
  log(
    "prefect: `prefect worker start --type process --with-healthcheck` registers its pool and answers its healthcheck",
  );
  return port;
}

/**
 * The prod worker's image: Prefect with prefect-kubernetes, whose worker type
 * registers a kubernetes pool (with the Job manifest template the platform's
 * base job template fills in) on the verification server.
 */
async function verifyKubernetesWorker(scratch: Scratch, image: string, serverPort: number, log: Log): Promise<void> {
  const version = await checkPrefectVersion(scratch, image, log);
  expect(
    new RegExp(`prefect-kubernetes:\\s+${escaped(PREFECT_KUBERNETES_VERSION)}\\b`).test(version),
    `${image}: prefect version lists prefect-kubernetes ${PREFECT_KUBERNETES_VERSION} among its integrations: ${version}`,
  );
  // The worker types `prefect worker start --type` can find: the ones Prefect's plugin loading registers.
  const imported = await scratch.once([
    ...hardened("1000:1000", ["/tmp", "/var/lib/prefect"]),
    ...PREFECT_ENV,
    image,
    "python",
    "-c",
    "import prefect_kubernetes; from prefect.workers.base import BaseWorker; " +
      "print(prefect_kubernetes.__version__, ','.join(sorted(BaseWorker.get_all_available_worker_types())))",
  ]);
  expect(
    imported.trim() === `${PREFECT_KUBERNETES_VERSION} kubernetes,process`,
    `${image}: prefect_kubernetes ${PREFECT_KUBERNETES_VERSION} imports and Prefect finds the kubernetes worker type: ${imported}`,
  );
  log(
    `${image}: prefect_kubernetes ${PREFECT_KUBERNETES_VERSION} imports; Prefect's worker types: kubernetes, process`,
  );
  await startHealthyWorker(scratch, image, "kubernetes", "verify-kubernetes-pool");
  const pool = await httpGet(`http://127.0.0.1:${serverPort}/api/work_pools/verify-kubernetes-pool`);
  expect(
    pool.status === 200 && pool.body.includes('"type":"kubernetes"') && pool.body.includes('"job_manifest"'),
    `the kubernetes worker created its pool with a Job manifest template: ${pool.status} ${pool.body.slice(0, 300)}`,
  );
  log(
    `${image}: \`prefect worker start --type kubernetes --with-healthcheck\` registers a kubernetes pool with a Job manifest template and answers its healthcheck`,
  );
}

async function verifyProxy(scratch: Scratch, tags: StandInTags<"dev">, log: Log): Promise<void> {
  await scratch.start("serving", "serving", [
    ...hardened("1000:1000", ["/tmp"]),
    "--workdir",
    "/tmp",
    tags.serving,
    "/bin/sh",
    "-c",
    "mkdir -p /tmp/serving && echo served > /tmp/serving/index.html && exec python -m http.server 8080",
  ]);
  const config = await scratch.volume("proxy-config");
  await scratch.seed(
    tags.proxyImage,
    config,
    "nginx.conf",
    nginxConfig({ host: "serving", port: 8080, pathPrefix: "/serving" }),
    "0444",
    "0:0",
  );
  const port = await freePort();
  const proxy = await scratch.start("proxy", "proxy", [
    ...hardened("101:101", ["/tmp"]),
    "--mount",
    `type=volume,source=${config},target=/etc/ml-platform/proxy,readonly,volume-nocopy`,
    "--publish",
    `127.0.0.1:${port}:8080`,
    "--entrypoint",
    "nginx",
    tags.proxyImage,
    "-e",
    "/dev/stderr",
    "-c",
    "/etc/ml-platform/proxy/nginx.conf",
    "-g",
    "daemon off;",
  ]);
  await waitForHttp(`http://127.0.0.1:${port}/proxy-health`, 30, scratch, proxy);
  await scratch.docker(["exec", proxy, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/proxy-health"]);
  const served = await waitForHttp(`http://127.0.0.1:${port}/serving/`, 30, scratch, proxy);
  expect(served.body.trim() === "served", `the proxy forwards to the serving alias: ${served.body}`);
  log(
    "nginx: the platform's proxy config runs as 101:101 on a read-only root, wget healthcheck passes, /serving/ reaches a python http.server",
  );
}

/** Each stand-in image of every stack under the stacks' flags; see the module comment. */
export async function verifyImages(engine: Engine, stacks: StandInTagsByStack, log: Log): Promise<void> {
  const scratch = new Scratch(engine, log);
  const password = `verify-${process.pid}-${Date.now()}`;
  const { dev, prod } = stacks;
  try {
    await scratch.setUp();
    for (const prefect of new Set([dev.prefectServer, dev.prefectWorker, prod.prefectServer, prod.prefectWorker]))
      await checkHardening(scratch, prefect, "1000:1000", log);
    await checkHardening(scratch, dev.postgres, "999:999", log);
    await checkHardening(scratch, dev.proxyImage, "101:101", log);
    await verifyHelpers(scratch, stacks, log);
    await verifyTaggedVersions(scratch, stacks, log);
    await verifyPostgres(scratch, dev.postgres, password, log);
    const serverPort = await verifyPrefect(scratch, dev.prefectServer, password, log);
    await verifyKubernetesWorker(scratch, prod.prefectWorker, serverPort, log);
    await verifyProxy(scratch, dev, log);
  } finally {
    await scratch.tearDown();
  }
}
