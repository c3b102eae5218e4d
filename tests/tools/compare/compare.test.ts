import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectRoot } from "../../../platform/project-root";
import {
  ComparedFact,
  compareFacts,
  comparisonMarkdown,
  comparisonText,
  StackComparison,
} from "../../../tools/compare/compare";
import { workloadFacts } from "../../../tools/compare/facts";
import { describeStack, StackDescriptionError } from "../../../tools/compare/load";

const root = projectRoot();

/** A stack described from a config file written for the test. */
function described(stack: string, yaml: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ml-compare-")), `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, yaml);
  return describeStack(root, stack, file);
}

const LAPTOP = `config:
  ml-platform:target: docker
  ml-platform:environment: development
  ml-platform:protectStorage: false
  ml-platform:images:
    serving: python:3.12.11-slim-bookworm
  ml-platform:docker:
    workerDockerSocket: true
  ml-platform:serving:
    replicas: 3
  ml-platform:retraining:
    enabled: false
  ml-platform:volumes:
    data: { size: 5Gi }
`;

const CLUSTER = `config:
  ml-platform:target: kubernetes
  ml-platform:environment: production
  ml-platform:images:
    serving: python:3.12.13-slim-bookworm
  ml-platform:serving:
    autoscaling: { minReplicas: 2, maxReplicas: 6, cpuTargetPercent: 60 }
  ml-platform:training:
    gpu: { enabled: true, count: 2 }
  ml-platform:volumes:
    data: { size: 50Gi, storageClass: fast-ssd }
  ml-platform:kubernetes:
    kubeconfigPath: /etc/ml-platform/kubeconfig
    gpuSupport: true
`;

function fact(comparison: StackComparison, workload: string, property: string): ComparedFact {
  const found = comparison.workloads
    .find((entry) => entry.workload === workload)
    ?.facts.find((f) => f.property === property);
  if (!found) assert.fail(`no fact "${property}" for workload ${workload}`);
  return found;
}

describe("tools/compare: two stacks workload by workload", () => {
  let comparison: StackComparison;
  before(() => {
    const [laptop, cluster] = [described("laptop", LAPTOP), described("cluster", CLUSTER)];
    comparison = compareFacts("laptop", workloadFacts(laptop), "cluster", workloadFacts(cluster));
  });

  it("covers every workload, in order, plus the platform's switches and the volumes", () => {
    assert.deepStrictEqual(
      comparison.workloads.map((entry) => entry.workload),
      [
        "platform",
        "postgres",
        "prefect-server",
        "prefect-worker",
        "model-serving",
        "training",
        "retraining",
        "volumes",
      ],
    );
  });

  it("shows differing images", () => {
    const image = fact(comparison, "model-serving", "image");
    assert.deepStrictEqual(image, {
      property: "image",
      a: "python:3.12.11-slim-bookworm",
      b: "python:3.12.13-slim-bookworm",
      differs: true,
    });
  });

  it("shows a fixed replica count against autoscaling bounds, as each target runs them", () => {
    const replicas = fact(comparison, "model-serving", "replicas");
    assert.strictEqual(replicas.a, "3 (fixed)");
    assert.strictEqual(replicas.b, "2–6 (autoscaled at 60% CPU)");
  });

  it("shows switched features: target, GPU, retraining, Docker socket, storage protection", () => {
    assert.deepStrictEqual(
      [fact(comparison, "platform", "target").a, fact(comparison, "platform", "target").b],
      ["docker", "kubernetes"],
    );
    assert.strictEqual(fact(comparison, "platform", "GPU training").b, "on (2 GPU)");
    assert.strictEqual(fact(comparison, "training", "GPU").b, "2");
    assert.strictEqual(fact(comparison, "training", "GPUs").b, "2");
    assert.deepStrictEqual(
      [fact(comparison, "retraining", "enabled").a, fact(comparison, "retraining", "enabled").b],
      ["off", "on"],
    );
    assert.strictEqual(fact(comparison, "retraining", "schedule (UTC)").a, undefined);
    assert.strictEqual(fact(comparison, "platform", "Docker socket for executors").a, "on");
    assert.strictEqual(fact(comparison, "platform", "storage protection").a, "off");
    assert.strictEqual(fact(comparison, "volumes", "data protected").a, "no");
  });

  it("shows storage sizes and classes, with the target's default class named as such", () => {
    assert.deepStrictEqual(
      [fact(comparison, "volumes", "data size").a, fact(comparison, "volumes", "data size").b],
      ["5Gi", "50Gi"],
    );
    assert.strictEqual(fact(comparison, "volumes", "data storage class").b, "fast-ssd");
    assert.strictEqual(fact(comparison, "volumes", "models storage class").b, "microk8s-hostpath (default)");
    assert.strictEqual(fact(comparison, "volumes", "models storage class").a, "— (Docker volume)");
  });

  it("prints only differences unless asked for everything", () => {
    const serverImage = fact(comparison, "prefect-server", "image");
    assert.strictEqual(serverImage.differs, false, "the fixture's server images should match");
    const text = comparisonText(comparison);
    assert.ok(!/^ {2}image {2,}prefecthq/m.test(text), text);
    assert.match(comparisonText(comparison, true), /^ {2}image +prefecthq\/prefect:\S+ +prefecthq\/prefect:\S+$/m);
    assert.match(text, /^≠ replicas +3 \(fixed\) +2–6 \(autoscaled at 60% CPU\)$/m);
    assert.ok(comparisonMarkdown(comparison).includes("| replicas | `3 (fixed)` | `2–6 (autoscaled at 60% CPU)` |"));
  });

  it("refuses an invalid stack config with every problem", () => {
    assert.throws(
      () => described("broken", "config:\n  ml-platform:serving:\n    replicas: 0\n"),
      (error: unknown) =>
        error instanceof StackDescriptionError &&
        /ml-platform:serving\.replicas: must be at least 1/.test(error.message),
    );
  });

  it("runs as npm run compare -- dev prod on the committed stacks", () => {
    const cli = path.join(__dirname, "..", "..", "..", "tools", "compare", "cli.js");
    const run = spawnSync(process.execPath, [cli, "dev", "prod"], { encoding: "utf8" });
    assert.strictEqual(run.status, 0, run.stderr);
    assert.match(run.stdout, /^≠ target +docker +kubernetes$/m);
    const usage = spawnSync(process.execPath, [cli, "dev"], { encoding: "utf8" });
    assert.strictEqual(usage.status, 2);
    assert.match(usage.stderr, /usage: npm run compare/);
    const missing = spawnSync(process.execPath, [cli, "dev", "nosuch"], { encoding: "utf8" });
    assert.strictEqual(missing.status, 1);
    assert.match(missing.stderr, /Pulumi\.nosuch\.yaml: no such stack file/);
  });
});
