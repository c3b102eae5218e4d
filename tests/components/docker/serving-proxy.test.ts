import * as assert from "assert";
import { DOCKER_DNS, nginxConfig, PROXY_PORT, ServingProxy } from "../../../components/docker/serving-proxy";
import { build, CONTAINER, labelsOf, registration, testContext } from "./harness";
import { cpuLimitMillis } from "../../../components/docker/container";

const upstream = { host: "model-serving", port: 8080, pathPrefix: "/serving" };

function proxy(): ServingProxy {
  return new ServingProxy("proxy", {
    context: testContext(),
    image: "nginx:1.27.5-alpine",
    service: "model-serving",
    upstream,
    hostPort: 18080,
    after: [],
  });
}

describe("docker target: ServingProxy", () => {
  describe("nginx configuration", () => {
    const config = nginxConfig(upstream);

    it("asks Docker's DNS again every few seconds, so replacement replicas get traffic", () => {
      assert.match(
        config,
        new RegExp(`resolver ${DOCKER_DNS.replace(/\./g, "\\.")} valid=\\d+s`),
        "no re-resolving resolver on 127.0.0.11",
      );
      // With a literal host nginx would resolve the alias once at start and keep those addresses forever.
      assert.match(
        config,
        /set \$replicas model-serving:8080;\s+proxy_pass http:\/\/\$replicas;/,
        "proxy_pass does not go through a variable",
      );
    });

    it("routes the serving path prefix, unchanged, to the replicas and retries another replica on failure", () => {
      assert.match(config, /location \/serving \{/, "the /serving prefix is not routed");
      assert.match(
        config,
        /proxy_next_upstream error timeout http_502 http_503 non_idempotent;/,
        "a replica that just went away fails requests (POST /predict included) instead of retrying",
      );
    });

    it("keeps every file it writes under /tmp, the only writable path", () => {
      for (const directive of [
        "pid",
        "client_body_temp_path",
        "proxy_temp_path",
        "fastcgi_temp_path",
        "uwsgi_temp_path",
        "scgi_temp_path",
      ]) {
        assert.match(config, new RegExp(`${directive} /tmp/`), `${directive} is not under /tmp`);
      }
    });
  });

  it("publishes one stable address on 127.0.0.1 and replaces itself delete-first (fixed host port)", async () => {
    const built = await build(proxy);
    const nginx = registration(built, CONTAINER, "proxy-nginx");
    assert.deepStrictEqual(
      nginx.inputs.ports,
      [{ internal: PROXY_PORT, external: 18080, ip: "127.0.0.1", protocol: "tcp" }],
      `${nginx.name}: ports`,
    );
    assert.strictEqual(nginx.opts.deleteBeforeReplace, true, `${nginx.name}: the host port cannot be bound twice`);
    assert.strictEqual(built.result.url, "http://127.0.0.1:18080/serving", "the serving URL");
  });

  it("runs nginx unprivileged and read-only, with a healthcheck, limits and a restart policy", async () => {
    const built = await build(proxy);
    const nginx = registration(built, CONTAINER, "proxy-nginx");
    assert.strictEqual(nginx.inputs.user, "101:101", `${nginx.name} runs as root`);
    assert.strictEqual(nginx.inputs.readOnly, true, `${nginx.name}: writable root filesystem`);
    assert.deepStrictEqual(nginx.inputs.capabilities, { drops: ["ALL"] }, `${nginx.name}: capabilities`);
    assert.ok(nginx.inputs.healthcheck, `${nginx.name} has no healthcheck`);
    assert.strictEqual(nginx.inputs.wait, true, `${nginx.name}: not waited for`);
    assert.strictEqual(nginx.inputs.restart, "unless-stopped", `${nginx.name}: restart policy`);
    assert.ok((nginx.inputs.memory as number) > 0 && cpuLimitMillis(nginx.inputs) > 0, `${nginx.name}: limits`);
    assert.strictEqual(labelsOf(nginx)["app.kubernetes.io/component"], "proxy", `${nginx.name}: labels`);
  });

  it("reads the configuration it was given, delivered as a read-only file", async () => {
    const built = await build(proxy);
    const seeder = registration(built, CONTAINER, "proxy-files-seed");
    const uploads = seeder.inputs.uploads as { file: string; content: string }[];
    assert.deepStrictEqual(
      uploads.map((upload) => upload.content),
      [nginxConfig(upstream)],
      `${seeder.name} does not deliver the nginx configuration`,
    );
    const nginx = registration(built, CONTAINER, "proxy-nginx");
    const entrypoints = nginx.inputs.entrypoints as string[];
    const mounts = nginx.inputs.mounts as { target: string; readOnly: boolean }[];
    const configPath = entrypoints[entrypoints.indexOf("-c") + 1];
    assert.ok(
      mounts.some((mount) => configPath.startsWith(`${mount.target}/`) && mount.readOnly),
      `${nginx.name} does not read ${configPath} from its delivered files`,
    );
  });
});
