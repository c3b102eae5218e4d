import * as assert from "assert";
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import {
  healthcheckFor,
  httpCheckCommand,
  startPeriodSeconds,
  waitTimeoutSeconds,
} from "../../../components/docker/probes";
import { ContainerSpec } from "../../../platform/model";
import { requirePython } from "../../support/python";
import { specWith } from "./harness";

const spec = specWith();
const server = spec.services.find((service) => service.name === "prefect-server") as { container: ContainerSpec };
const postgres = spec.services.find((service) => service.name === "postgres") as { container: ContainerSpec };

/** Runs a healthcheck's CMD form and resolves to its exit code. */
function runCheck(tests: string[]): Promise<number | null> {
  assert.strictEqual(tests[0], "CMD", `healthcheck ${JSON.stringify(tests)} is not in exec (CMD) form`);
  return new Promise((resolve) => {
    const child = spawn(tests[1], tests.slice(2), { stdio: "ignore" });
    child.on("exit", (code) => resolve(code));
  });
}

describe("docker target: probes", () => {
  it("turns the readiness probe into the healthcheck, with its period, timeout and threshold", () => {
    const readiness = server.container.probes.readiness;
    assert.ok(readiness, "prefect-server's spec has no readiness probe to translate");
    const healthcheck = healthcheckFor(server.container);
    assert.ok(healthcheck, "prefect-server got no healthcheck");
    assert.strictEqual(
      healthcheck.interval,
      `${readiness.periodSeconds}s`,
      "prefect-server: interval is not the readiness period",
    );
    assert.strictEqual(
      healthcheck.timeout,
      `${readiness.timeoutSeconds}s`,
      "prefect-server: timeout is not the readiness timeout",
    );
    assert.strictEqual(
      healthcheck.retries,
      readiness.failureThreshold,
      "prefect-server: retries is not the readiness failure threshold",
    );
    const script = (healthcheck.tests as string[]).join(" ");
    assert.ok(
      script.includes("http://127.0.0.1:4200/api/ready"),
      `prefect-server's healthcheck does not call /api/ready on its http port: ${script}`,
    );
  });

  it("gives the startup probe's whole budget as the start period", () => {
    const startup = server.container.probes.startup;
    assert.ok(startup, "prefect-server's spec has no startup probe");
    const healthcheck = healthcheckFor(server.container);
    assert.strictEqual(
      healthcheck?.startPeriod,
      `${startup.periodSeconds * startup.failureThreshold}s`,
      "prefect-server: start period is not period x threshold",
    );
    assert.strictEqual(startPeriodSeconds(undefined), 0, "no startup probe must mean no start period");
  });

  it("runs command probes as given (pg_isready for postgres)", () => {
    const healthcheck = healthcheckFor(postgres.container);
    const check = postgres.container.probes.readiness?.check;
    assert.ok(check && check.kind === "command", "postgres' readiness probe is not a command");
    assert.deepStrictEqual(
      healthcheck?.tests,
      ["CMD", ...check.command],
      "postgres: the healthcheck does not run the probe's command",
    );
  });

  it("waits for the start period, a full failure window and a minute's margin", () => {
    const probe = (periodSeconds: number, timeoutSeconds: number, failureThreshold: number) => ({
      check: { kind: "http" as const, path: "/ready", port: "http" },
      periodSeconds,
      timeoutSeconds,
      failureThreshold,
    });
    const withProbes = (probes: ContainerSpec["probes"]): ContainerSpec => ({ ...server.container, probes });
    // start period 10 x 30 = 300, failure window (5 + 2) x 3 = 21, margin 60
    assert.strictEqual(waitTimeoutSeconds(withProbes({ startup: probe(10, 1, 30), readiness: probe(5, 2, 3) })), 381);
    // no startup probe: no start period; (10 + 5) x 4 = 60
    assert.strictEqual(waitTimeoutSeconds(withProbes({ readiness: probe(10, 5, 4) })), 120);
    // the liveness probe's window when there is no readiness probe: (20 + 1) x 2 = 42
    assert.strictEqual(waitTimeoutSeconds(withProbes({ liveness: probe(20, 1, 2) })), 102);
    assert.strictEqual(waitTimeoutSeconds(withProbes({})), 60, "a container without probes waits the default minute");

    const { startup, readiness } = server.container.probes;
    assert.ok(startup && readiness, "prefect-server has no startup or readiness probe");
    const healthcheck = healthcheckFor(server.container);
    assert.strictEqual(
      parseInt(String(healthcheck?.startPeriod), 10),
      startup.periodSeconds * startup.failureThreshold,
    );
    assert.strictEqual(
      waitTimeoutSeconds(server.container),
      startup.periodSeconds * startup.failureThreshold +
        (readiness.periodSeconds + readiness.timeoutSeconds) * readiness.failureThreshold +
        60,
      "prefect-server: pulumi's wait is not start period + failure window + margin",
    );
  });

  it("refuses an HTTP probe on a port the container does not have", () => {
    const broken: ContainerSpec = {
      ...server.container,
      probes: {
        readiness: {
          check: { kind: "http", path: "/x", port: "metrics" },
          periodSeconds: 5,
          timeoutSeconds: 1,
          failureThreshold: 3,
        },
      },
    };
    assert.throws(() => healthcheckFor(broken), /port "metrics"/);
  });

  it("has no healthcheck for a container without readiness or liveness probes", () => {
    assert.strictEqual(healthcheckFor({ ...server.container, probes: {} }), undefined);
  });

  describe("the python3 HTTP check, run for real", function () {
    let httpServer: http.Server;
    let port = 0;

    before(function () {
      requirePython(this, ["sys", "urllib.request"]);
      httpServer = http.createServer((request, response) => {
        response.statusCode = request.url === "/ready" ? 200 : 503;
        response.end();
      });
      return new Promise<void>((resolve) =>
        httpServer.listen(0, "127.0.0.1", () => {
          port = (httpServer.address() as AddressInfo).port;
          resolve();
        }),
      );
    });

    after(() => httpServer?.close());

    it("exits 0 when the endpoint answers 200", async () => {
      assert.strictEqual(await runCheck(httpCheckCommand(port, "/ready", 2)), 0, "a 200 answer was reported unhealthy");
    });

    it("exits 1 when the endpoint answers an error status", async () => {
      assert.strictEqual(
        await runCheck(httpCheckCommand(port, "/not-ready", 2)),
        1,
        "a 503 answer was not reported unhealthy",
      );
    });

    it("exits 1 when nothing listens", async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", () => resolve()));
      const unused = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      assert.strictEqual(
        await runCheck(httpCheckCommand(unused, "/ready", 2)),
        1,
        "a refused connection was not reported unhealthy",
      );
    });
  });
});
