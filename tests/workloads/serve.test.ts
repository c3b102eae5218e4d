import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../../platform/project-root";
import { requirePython } from "../support/python";

const SERVE = path.join(projectRoot(), "workloads", "serve.py");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Sends the head of a POST now and its body later, so the request is in flight in between. */
function slowPost(port: number, body: string): { sendBody: () => void; response: Promise<string> } {
  const socket = net.connect(port, "127.0.0.1");
  socket.write(
    `POST /serving/predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
  );
  let received = "";
  const response = new Promise<string>((resolve, reject) => {
    socket.on("data", (chunk) => (received += chunk.toString()));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
  return { sendBody: () => socket.write(body), response };
}

async function waitUntilServing(port: number, child: ReturnType<typeof spawn>): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`serve.py exited with ${child.exitCode}`);
    try {
      const answer = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (answer.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("serve.py did not become ready");
}

describe("the reference model server (workloads/serve.py)", function () {
  this.timeout(30000);
  before(function () {
    requirePython(this, ["http.server", "json", "signal"]);
  });

  it("answers a request it already holds when told to stop (naming the host that served it), then refuses new connections and exits 0", async () => {
    const models = fs.mkdtempSync(path.join(os.tmpdir(), "ml-serve-"));
    fs.writeFileSync(
      path.join(models, "current.json"),
      JSON.stringify({ run: "test-run", weights: [2, -3, 0.5], bias: 1, validation_mse: 0 }),
    );
    const port = await freePort();
    const child = spawn("python3", [SERVE, "--port", String(port), "--models", models, "--base-path", "/serving"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitUntilServing(port, child);
      const inFlight = slowPost(port, JSON.stringify({ instances: [[1, 0, 0]] }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 500));
      const refused = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        () => "answered",
        () => "refused",
      );
      assert.strictEqual(refused, "refused", "a new connection was accepted after SIGTERM");
      inFlight.sendBody();
      const response = await inFlight.response;
      assert.match(response, /^HTTP\/1\.[01] 200/, `the in-flight request was not answered: ${response.slice(0, 200)}`);
      assert.match(response, /"predictions": \[3\.0\]/, "the in-flight request got the wrong prediction");
      assert.ok(
        response.includes(`\r\nX-Served-By: ${os.hostname()}\r\n`),
        `the answer does not name the host that served it: ${response.slice(0, 300)}`,
      );
      assert.strictEqual(await exited, 0, "serve.py did not exit cleanly after draining");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      fs.rmSync(models, { recursive: true, force: true });
    }
  });

  describe("model intake (--publish-port)", () => {
    const TOKEN = "a-token-of-the-right-length-0123456789";
    const MODEL = { run: "20261201T000000Z-abcdef12", weights: [1, 2, 3], bias: 0.5, validation_mse: 0.1 };

    async function startWithIntake(env: NodeJS.ProcessEnv) {
      const models = fs.mkdtempSync(path.join(os.tmpdir(), "ml-intake-"));
      const [port, publishPort] = [await freePort(), await freePort()];
      const child = spawn(
        "python3",
        [
          SERVE,
          "--port",
          String(port),
          "--models",
          models,
          "--base-path",
          "/serving",
          "--publish-port",
          String(publishPort),
        ],
        { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env.PATH, ...env } },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const publish = (body: unknown, token?: string) =>
        fetch(`http://127.0.0.1:${publishPort}/model`, {
          method: "PUT",
          body: JSON.stringify(body),
          headers: token ? { Authorization: `Bearer ${token}` } : {},
        });
      const stop = () => {
        if (child.exitCode === null) child.kill("SIGKILL");
        fs.rmSync(models, { recursive: true, force: true });
      };
      return { models, port, publishPort, child, exited, publish, stop, stderr: () => stderr };
    }

    async function waitForIntake(publishPort: number, child: ReturnType<typeof spawn>): Promise<void> {
      for (let attempt = 0; attempt < 100; attempt++) {
        if (child.exitCode !== null) throw new Error(`serve.py exited with ${child.exitCode}`);
        const open = await fetch(`http://127.0.0.1:${publishPort}/model`, { method: "PUT" }).then(
          () => true,
          () => false,
        );
        if (open) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("the intake did not open");
    }

    it("refuses to start the intake without a token", async () => {
      const server = await startWithIntake({});
      try {
        assert.notStrictEqual(await server.exited, 0, "serve.py ran an intake nobody has to authenticate to");
        assert.match(server.stderr(), /needs a token/);
      } finally {
        server.stop();
      }
    });

    it("takes a model only with the token, checks it, and serving then serves it", async () => {
      const tokenFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-token-")), "token");
      fs.writeFileSync(tokenFile, `${TOKEN}\n`);
      const server = await startWithIntake({ ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE: tokenFile });
      try {
        await waitForIntake(server.publishPort, server.child);
        assert.strictEqual((await server.publish(MODEL)).status, 401, "a model without the token was taken");
        assert.strictEqual((await server.publish(MODEL, `${TOKEN}x`)).status, 401, "a wrong token was taken");
        const bad = await server.publish({ ...MODEL, weights: ["x"] }, TOKEN);
        assert.strictEqual(bad.status, 400, "a model serving could not use was taken");
        assert.match(((await bad.json()) as { error: string }).error, /weights/);
        const badRun = await server.publish({ ...MODEL, run: "../escape" }, TOKEN);
        assert.strictEqual(badRun.status, 400, "a run name with a path in it was taken");
        assert.ok(!fs.existsSync(path.join(server.models, "current.json")), "a refused model was written");

        const taken = await server.publish(MODEL, TOKEN);
        assert.deepStrictEqual([taken.status, await taken.json()], [200, { published: MODEL.run }]);
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(server.models, "current.json"), "utf8")), MODEL);
        const leftovers = fs.readdirSync(server.models).filter((name) => name !== "current.json");
        assert.deepStrictEqual(leftovers, [], "the atomic write left temporary files behind");
        const served = await fetch(`http://127.0.0.1:${server.port}/serving/model`);
        assert.strictEqual(((await served.json()) as { run: string }).run, MODEL.run);
        const prediction = await fetch(`http://127.0.0.1:${server.port}/serving/predict`, {
          method: "POST",
          body: JSON.stringify({ instances: [[1, 1, 1]] }),
        });
        assert.deepStrictEqual(await prediction.json(), { predictions: [6.5], model_run: MODEL.run });
        const onApiPort = await fetch(`http://127.0.0.1:${server.port}/model`, {
          method: "PUT",
          body: JSON.stringify(MODEL),
          headers: { Authorization: `Bearer ${TOKEN}` },
        });
        assert.notStrictEqual(onApiPort.status, 200, "the public API port took a model");
      } finally {
        server.stop();
        fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true });
      }
    });
  });
});
