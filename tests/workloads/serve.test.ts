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

  it("answers a request it already holds when told to stop, then refuses new connections and exits 0", async () => {
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
      assert.strictEqual(await exited, 0, "serve.py did not exit cleanly after draining");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      fs.rmSync(models, { recursive: true, force: true });
    }
  });
});
