import * as assert from "assert";
import { databaseConstraint, publicationOf } from "../../../components/swarm/platform";
import { registrationContainer, retrainingParameters } from "../../../platform/retraining";
import { asContainer } from "../../../components/swarm/resource-views";
import { containerResourceLimits } from "../../../policy/rules/container-resource-limits";
import { noPlaintextSecrets } from "../../../policy/rules/no-plaintext-secrets";
import { PolicyContext, PolicySubject } from "../../../policy/rules";
import { configWith, specWith } from "./harness";

function service(name: string, overrides: Record<string, unknown> = {}) {
  const found = specWith(overrides).services.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no service ${name}`);
  return found;
}

describe("swarm target: the platform's choices", () => {
  it("publishes replicated serving through the routing mesh directly, and behind a proxy in host mode", () => {
    const ingress = configWith().swarm;
    assert.deepStrictEqual(publicationOf(service("model-serving"), ingress), { via: "direct", port: 8080 });
    const host = configWith({ swarm: { publishMode: "host", endpointMode: "dnsrr" } }).swarm;
    assert.deepStrictEqual(publicationOf(service("model-serving"), host), { via: "proxy", port: 8080 });
    assert.deepStrictEqual(publicationOf(service("prefect-server"), host), { via: "direct", port: 4200 });
    assert.strictEqual(publicationOf(service("postgres"), host), undefined);
  });

  it("pins the database by the configured node label", () => {
    assert.strictEqual(
      databaseConstraint(configWith({ swarm: { databaseNodeLabel: "db-node" } }).swarm),
      "node.labels.db-node == true",
    );
  });

  it("hands retraining's settings to the Prefect deployment that runs it on its cron schedule", () => {
    const spec = specWith({
      training: { epochs: 7, completions: 2, parallelism: 1, backoffLimit: 3, activeDeadlineSeconds: 900 },
      retraining: { schedule: "30 2 * * 1", startingDeadlineSeconds: 120 },
    });
    const [schedule] = spec.schedules;
    assert.deepStrictEqual(retrainingParameters(schedule), {
      trainer: "/opt/ml-platform/flows/train.py",
      data: "/data",
      models: "/models",
      epochs: 7,
      completions: 2,
      parallelism: 1,
      backoff_limit: 3,
      deadline_seconds: 900,
      starting_deadline_seconds: 120,
    });
    const container = registrationContainer(schedule, spec.executorPools[0]);
    const command = container.command ?? [];
    assert.strictEqual(command[command.indexOf("--schedule") + 1], "30 2 * * 1");
    assert.strictEqual(command[command.indexOf("--pool") + 1], "ml-pool");
    assert.deepStrictEqual(Object.keys(container.secretEnv), ["PREFECT_API_AUTH_STRING"]);
  });
});

describe("swarm target: the policies read a service's task as a container", () => {
  const context: PolicyContext = {
    settings: { environment: "production", allowLoadBalancer: false, dockerSocketOptIn: false },
    resources: [],
    containsSecret: (text) => text.includes("FAKEPASSWORD"),
  };
  const subject = (containerSpec: Record<string, unknown>, limits?: Record<string, number>): PolicySubject => ({
    type: "docker:index/service:Service",
    name: "svc",
    urn: "urn:svc",
    props: { name: "ml_svc", taskSpec: { containerSpec, resources: limits ? { limits } : {} } },
    options: { protect: false },
  });

  it("flags a service without limits, and passes one with them", () => {
    assert.deepStrictEqual(
      containerResourceLimits.check(subject({ image: "python:3.12.11" }), context).length,
      2,
      "a service with no limits passes",
    );
    assert.deepStrictEqual(
      containerResourceLimits.check(
        subject({ image: "python:3.12.11" }, { memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000 }),
        context,
      ),
      [],
    );
  });

  it("flags a secret in a service's environment", () => {
    const found = noPlaintextSecrets.check(
      subject({ image: "x:1.0", env: { DB_PASSWORD: "FAKEPASSWORD1234" } }),
      context,
    );
    assert.ok(found.length > 0, "a secret in the environment passes");
    assert.deepStrictEqual(asContainer(subject({ env: { A: "b" } })).props.envs, ["A=b"]);
  });

  it("names the service's own settings in its findings, and Swarm's way to hand it a secret", () => {
    const messages = noPlaintextSecrets
      .check(
        subject({
          image: "x:1.0",
          // Not the sentinel the scan of every value finds: what the environment, label and command-line checks find.
          env: { DB_PASSWORD: "correct-horse-battery-staple" },
          args: ["--database", "postgresql://prefect:correct-horse@postgres:5432/prefect"],
          labels: [{ label: "api-token", value: "correct-horse-battery-staple" }],
        }),
        context,
      )
      .join("\n");
    assert.match(messages, /\(taskSpec\.containerSpec\.env\.DB_PASSWORD\); deliver it as a Swarm secret/);
    assert.match(messages, /the command line holds a URL with a password in it \(taskSpec\.containerSpec\.args\[1\]\)/);
    assert.match(messages, /label or annotation api-token .*\(taskSpec\.containerSpec\.labels\[0\]\.value\)/);
    assert.doesNotMatch(messages, /uploads|envs\[|\(command\[|\(labels\[/, "the Docker container's settings");
  });
});
