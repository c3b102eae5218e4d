import * as assert from "assert";
import {
  allowRules,
  egressPolicySpec,
  egressRules,
  NetworkLayout,
  NetworkPolicies,
  peerPods,
} from "../../../components/kubernetes/network-policies";
import { PlatformSpec } from "../../../platform/model";
import { build, K8S, ofKind, specWith } from "./harness";

type Json = Record<string, unknown>;

const LAYOUT: NetworkLayout = {
  instance: "ml-platform-test",
  platformNamespace: "ml-platform",
  executorNamespace: "ml-executors",
};

/** "peer -> service:port" for every flow the rules allow, peers spelled namespace/name (or namespace/* for a whole namespace). */
function flows(spec: PlatformSpec, layout: NetworkLayout = LAYOUT): string[] {
  return allowRules(spec, layout)
    .flatMap((rule) =>
      rule.from.flatMap(({ peer, ports }) =>
        ports.map(
          (port) => `${peer.namespace}/${peer.podLabels?.["app.kubernetes.io/name"] ?? "*"} -> ${rule.service}:${port}`,
        ),
      ),
    )
    .sort();
}

describe("kubernetes target: network policies", () => {
  it("allows exactly the platform's flows: ingress to server and serving's API, server to postgres, worker and executors to server, executors to serving's model intake", () => {
    assert.deepStrictEqual(flows(specWith()), [
      "ingress/* -> model-serving:8080",
      "ingress/* -> prefect-server:4200",
      "ml-executors/prefect-worker-executor -> model-serving:8081",
      "ml-executors/prefect-worker-executor -> prefect-server:4200",
      "ml-platform/prefect-server -> postgres:5432",
      "ml-platform/prefect-worker -> prefect-server:4200",
    ]);
  });

  it("derives the flows from the neutral allowFrom, not from workload names", () => {
    const spec = specWith({ serving: { port: 9000 } });
    spec.services
      .find((service) => service.name === "model-serving")
      ?.allowFrom.push({ kind: "workload", name: "prefect-worker" });
    const changed = flows(spec, { ...LAYOUT, ingressNamespace: "ingress-nginx" });
    assert.ok(
      changed.includes("ml-platform/prefect-worker -> model-serving:9000"),
      `a new allowFrom peer was not allowed: ${changed.join(", ")}`,
    );
    assert.ok(
      changed.includes("ingress-nginx/* -> model-serving:9000"),
      "the ingress namespace and the service's port are not the configured ones",
    );
  });

  it("selects peers by namespace and by the stable labels of their pods", () => {
    const spec = specWith();
    assert.deepStrictEqual(peerPods({ kind: "executors", pool: "prefect-worker" }, spec, LAYOUT), {
      namespace: "ml-executors",
      podLabels: {
        "app.kubernetes.io/name": "prefect-worker-executor",
        "app.kubernetes.io/instance": "ml-platform-test",
      },
    });
    assert.throws(() => peerPods({ kind: "workload", name: "nobody" }, spec, LAYOUT), /unknown workload "nobody"/);
    assert.throws(
      () => peerPods({ kind: "executors", pool: "nobody" }, spec, LAYOUT),
      /unknown executor pool "nobody"/,
    );
  });

  it("denies all ingress in both namespaces, then admits each service's peers on its ports only", async () => {
    const spec = specWith();
    const built = await build(
      () => new NetworkPolicies("network", { spec, layout: LAYOUT, namespaceRef: (namespace) => namespace }),
    );
    const policies = ofKind(built, K8S.networkPolicy);
    const denials = policies.filter((policy) => JSON.stringify((policy.inputs.spec as Json).podSelector) === "{}");
    assert.deepStrictEqual(
      denials.map((policy) => (policy.inputs.metadata as Json).namespace).sort(),
      ["ml-executors", "ml-platform"],
      "not every namespace denies ingress by default",
    );
    for (const denial of denials) {
      const spec = denial.inputs.spec as Json;
      assert.deepStrictEqual(
        [spec.policyTypes, spec.ingress, spec.egress],
        [["Ingress", "Egress"], undefined, undefined],
        `${denial.name} lets something in or out`,
      );
    }
    const server = policies.find((policy) => (policy.inputs.metadata as Json).name === "prefect-server-ingress");
    assert.ok(server, "the server admits nobody");
    const [rule] = (server.inputs.spec as Json).ingress as Json[];
    assert.deepStrictEqual(rule.ports, [{ protocol: "TCP", port: 4200 }], `${server.name}: ports`);
    for (const peer of rule.from as Json[]) {
      assert.ok(
        (peer.namespaceSelector as Json | undefined)?.matchLabels,
        `${server.name}: a peer without a namespace selector would match its own namespace only`,
      );
    }
    const serving = policies.find((policy) => (policy.inputs.metadata as Json).name === "model-serving-ingress");
    assert.deepStrictEqual(
      ((serving?.inputs.spec as Json).ingress as Json[]).map((entry) => [
        (entry.from as Json[]).map((peer) => (peer.namespaceSelector as { matchLabels: Json }).matchLabels),
        entry.ports,
      ]),
      [
        [[{ "kubernetes.io/metadata.name": "ingress" }], [{ protocol: "TCP", port: 8080 }]],
        [[{ "kubernetes.io/metadata.name": "ml-executors" }], [{ protocol: "TCP", port: 8081 }]],
      ],
      "serving must admit the ingress on its API port only and flow runs on its model intake only",
    );
    assert.strictEqual(
      policies.length,
      2 +
        spec.services.filter((service) => service.allowFrom.length > 0).length +
        egressRules(spec, LAYOUT, { flowRunEgress: [] }).length,
      "one policy per namespace, per service admitting traffic and per workload connecting out",
    );
  });

  /** "source -> destination:ports" for every connection the egress rules allow, DNS included. */
  function egressFlows(spec: PlatformSpec, flowRunEgress: string[] = []): string[] {
    return egressRules(spec, LAYOUT, { flowRunEgress })
      .flatMap((rule) =>
        ((egressPolicySpec(rule).egress ?? []) as Json[]).map((entry) => {
          const [to] = entry.to as Json[];
          const pods = to.podSelector as { matchLabels: Record<string, string> } | undefined;
          const namespace = (to.namespaceSelector as { matchLabels: Record<string, string> } | undefined)?.matchLabels[
            "kubernetes.io/metadata.name"
          ];
          const where = to.ipBlock
            ? (to.ipBlock as Json).cidr
            : `${namespace}/${pods?.matchLabels["app.kubernetes.io/name"] ?? pods?.matchLabels["k8s-app"]}`;
          const ports = ((entry.ports as Json[] | undefined) ?? []).map((port) => `${port.protocol}/${port.port}`);
          return `${rule.namespace}/${rule.source} -> ${where} ${ports.join(",") || "any port"}`;
        }),
      )
      .sort();
  }

  it("lets each workload connect to exactly the services that admit it, DNS, and the worker to the API server", () => {
    assert.deepStrictEqual(egressFlows(specWith()), [
      "ml-executors/prefect-worker-executors -> kube-system/kube-dns UDP/53,TCP/53",
      "ml-executors/prefect-worker-executors -> ml-platform/model-serving TCP/8081",
      "ml-executors/prefect-worker-executors -> ml-platform/prefect-server TCP/4200",
      "ml-platform/prefect-server -> kube-system/kube-dns UDP/53,TCP/53",
      "ml-platform/prefect-server -> ml-platform/postgres TCP/5432",
      "ml-platform/prefect-worker -> 0.0.0.0/0 TCP/443,TCP/16443",
      "ml-platform/prefect-worker -> kube-system/kube-dns UDP/53,TCP/53",
      "ml-platform/prefect-worker -> ml-platform/prefect-server TCP/4200",
    ]);
  });

  it("gives postgres, serving and training no way out, and only the server a way to postgres", () => {
    const sources = egressRules(specWith(), LAYOUT, { flowRunEgress: [] }).map((rule) => rule.source);
    for (const silent of ["postgres", "model-serving", "training", "retraining"])
      assert.ok(!sources.includes(silent), `${silent} may connect out`);
    const toPostgres = egressFlows(specWith()).filter((flow) => flow.includes("/postgres "));
    assert.deepStrictEqual(toPostgres, ["ml-platform/prefect-server -> ml-platform/postgres TCP/5432"]);
  });

  it("lets flow runs reach outside only the address blocks kubernetes.flowRunEgress lists", () => {
    const flows = egressFlows(specWith(), ["10.20.0.0/16", "0.0.0.0/0"]);
    const outside = flows.filter((flow) => /-> [0-9.]+\/\d+ any port$/.test(flow));
    assert.deepStrictEqual(outside, [
      "ml-executors/prefect-worker-executors -> 0.0.0.0/0 any port",
      "ml-executors/prefect-worker-executors -> 10.20.0.0/16 any port",
    ]);
  });
});
