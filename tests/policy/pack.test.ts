import * as assert from "assert";
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { buildPolicies } from "../../policy/pack";
import { RULES } from "../../policy/rules";
import { configFromEnvironment, secretConfigValues, settingsFromConfig } from "../../policy/settings";
import { container, deployment, DEVELOPMENT, podSpec, PRODUCTION } from "./fixtures";

/** The engine's marker for a string it cannot know during preview. */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

interface Reported {
  message: string;
  urn?: string;
}

function recorder(): { report: ReportViolation; reported: Reported[] } {
  const reported: Reported[] = [];
  return { reported, report: (message: string, urn?: string) => reported.push({ message, urn }) };
}

/** Props as @pulumi/policy hands them over: behind a proxy whose escape hatch returns the plain object. */
function asEngineProps(props: Record<string, unknown>): Record<string, unknown> {
  return new Proxy(props, {
    get: (target, key) =>
      key === "__getSpecialProxyTarget" ? target : (target as Record<string | symbol, unknown>)[key],
  });
}

function resourceArgs(
  type: string,
  name: string,
  props: Record<string, unknown>,
  protect = false,
): ResourceValidationArgs {
  return {
    type,
    name,
    urn: `urn:pulumi:prod::ml-platform::${type}::${name}`,
    props: asEngineProps(props),
    opts: {
      protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(reason);
    },
  };
}

function stackResource(args: ResourceValidationArgs): PolicyResource {
  return { ...args, dependencies: [], propertyDependencies: {} };
}

function stackArgs(resources: PolicyResource[]): StackValidationArgs {
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => ({}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(reason);
    },
  };
}

function policy<T>(name: string, settings = PRODUCTION, secrets: string[] = []): T {
  const found = buildPolicies(settings, secrets).find((candidate) => candidate.name === name);
  assert.ok(found, `no policy ${name}`);
  return found as T;
}

async function validate(policyName: string, args: ResourceValidationArgs): Promise<Reported[]> {
  const { report, reported } = recorder();
  const validation = policy<ResourceValidationPolicy>(policyName).validateResource;
  assert.ok(typeof validation === "function", `${policyName} has no single validateResource`);
  await validation(args, report);
  return reported;
}

describe("the policy pack", () => {
  it("has one policy per rule, with the rule's name, description and scope", () => {
    const policies = buildPolicies(PRODUCTION);
    assert.deepStrictEqual(
      policies.map((p) => p.name),
      RULES.map((rule) => rule.name),
    );
    for (const rule of RULES) {
      const found = policies.find((p) => p.name === rule.name) as ResourceValidationPolicy & StackValidationPolicy;
      assert.strictEqual(found.description, rule.description, rule.name);
      assert.strictEqual(
        typeof (rule.scope === "resource" ? found.validateResource : found.validateStack),
        "function",
        `${rule.name} is not a ${rule.scope} policy`,
      );
    }
  });

  it("sets every policy's enforcement level from the stack's environment", () => {
    for (const settings of [PRODUCTION, DEVELOPMENT]) {
      for (const p of buildPolicies(settings)) {
        const rule = RULES.find((candidate) => candidate.name === p.name);
        assert.strictEqual(p.enforcementLevel, rule?.enforcement(settings), `${p.name} in ${settings.environment}`);
      }
    }
  });

  it("reports a resource violation through validateResource with the rule's message", async () => {
    const bad = deployment("web", {}, podSpec({ containers: [container("app", { image: "python:latest" })] }));
    const reported = await validate("images-pinned", resourceArgs(bad.type, bad.name, bad.props));
    assert.strictEqual(reported.length, 1, JSON.stringify(reported));
    assert.match(reported[0].message, /"python:latest".*latest/);
  });

  it("judges preview-time unknowns as unknown instead of failing", async () => {
    const pod = podSpec({
      containers: [
        container("app", { image: UNKNOWN_STRING, resources: { limits: { cpu: UNKNOWN_STRING, memory: "1Gi" } } }),
      ],
    });
    const args = resourceArgs("kubernetes:apps/v1:Deployment", "web", deployment("web", {}, pod).props);
    assert.deepStrictEqual(await validate("images-pinned", args), [], "an unknown image is not an unpinned one");
    assert.deepStrictEqual(
      await validate("container-resource-limits", args),
      [],
      "an unknown CPU limit is not a missing one",
    );
  });

  it("reads protect from the engine's options for storage", async () => {
    const claim = { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"] } };
    const unprotected = await validate(
      "stateful-storage-protected",
      resourceArgs("kubernetes:core/v1:PersistentVolumeClaim", "data", claim, false),
    );
    assert.ok(
      unprotected.some((r) => /not protected/.test(r.message)),
      JSON.stringify(unprotected),
    );
    const protectedClaim = await validate(
      "stateful-storage-protected",
      resourceArgs("kubernetes:core/v1:PersistentVolumeClaim", "data", claim, true),
    );
    assert.deepStrictEqual(
      protectedClaim,
      [],
      "retainOnDelete is not part of the analyzer protocol, so only protect is judged",
    );
  });

  it("finds a generated password the engine shows in plain text wherever it leaked, in validateStack", async () => {
    const password = "Zq8xW3mN5pR7tY2uV4bC6dF9gH1jK0Lm";
    const generated = resourceArgs("random:index/randomPassword:RandomPassword", "pw", {
      length: 32,
      special: false,
      result: password,
    });
    const secret = resourceArgs("kubernetes:core/v1:Secret", "postgres", { stringData: { password } });
    const leaky = deployment(
      "web",
      {},
      podSpec({ containers: [container("app", { env: [{ name: "PREFECT_SETTINGS", value: `x=${password}` }] })] }),
    );
    const leakyArgs = resourceArgs(leaky.type, leaky.name, leaky.props);
    const { report, reported } = recorder();
    await policy<StackValidationPolicy>("no-plaintext-secrets").validateStack(
      stackArgs([generated, secret, leakyArgs].map(stackResource)),
      report,
    );
    assert.strictEqual(reported.length, 1, JSON.stringify(reported));
    assert.strictEqual(reported[0].urn, leakyArgs.urn);
    assert.match(reported[0].message, /containers\[0\]\.env\[0\]\.value/);
  });

  it("does not take a password unknown during preview for a secret text", async () => {
    const generated = resourceArgs("random:index/randomPassword:RandomPassword", "pw", {
      length: 32,
      result: UNKNOWN_STRING,
    });
    const container = resourceArgs("docker:index/container:Container", "db", {
      name: "db",
      image: UNKNOWN_STRING,
      envs: ["A=1"],
    });
    const { report, reported } = recorder();
    await policy<StackValidationPolicy>("no-plaintext-secrets").validateStack(
      stackArgs([generated, container].map(stackResource)),
      report,
    );
    assert.deepStrictEqual(reported, [], "one unknown value matched another");
  });

  it("treats a secret config value (the kubeconfig) as a secret wherever it appears", async () => {
    const kubeconfig = "apiVersion: v1\nclusters: []\nusers: [{name: admin, user: {token: abcdefghijklmnop}}]";
    const map = resourceArgs("kubernetes:core/v1:ConfigMap", "leak", {
      metadata: { name: "leak" },
      data: { config: kubeconfig },
    });
    const provider = resourceArgs("pulumi:providers:kubernetes", "cluster", { kubeconfig });
    const { report, reported } = recorder();
    const stackPolicy = policy<StackValidationPolicy>(
      "no-plaintext-secrets",
      PRODUCTION,
      secretConfigValues({ "ml-platform:kubeconfig": kubeconfig }),
    );
    await stackPolicy.validateStack(stackArgs([map, provider].map(stackResource)), report);
    assert.deepStrictEqual(
      reported.map((r) => r.urn),
      [map.urn],
      `only the ConfigMap leaks; the provider is where a kubeconfig belongs: ${JSON.stringify(reported)}`,
    );
  });

  it("checks HPAs against the rest of the stack in validateStack", async () => {
    const orphan = resourceArgs("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "serving", {
      metadata: { name: "serving", namespace: "ml-platform" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "nothing-here" }, minReplicas: 1, maxReplicas: 3 },
    });
    const { report, reported } = recorder();
    await policy<StackValidationPolicy>("hpa-consistent").validateStack(stackArgs([stackResource(orphan)]), report);
    assert.strictEqual(reported.length, 1, JSON.stringify(reported));
    assert.strictEqual(reported[0].urn, orphan.urn);
    assert.match(reported[0].message, /"nothing-here".*does not define/);
  });
});

describe("policy settings from the stack's config", () => {
  it("reads environment, allowLoadBalancer and the Docker-socket opt-in", () => {
    assert.deepStrictEqual(
      settingsFromConfig({
        "ml-platform:environment": "development",
        "ml-platform:kubernetes": JSON.stringify({ allowLoadBalancer: true }),
        "ml-platform:docker": JSON.stringify({ workerDockerSocket: true }),
      }),
      { environment: "development", allowLoadBalancer: true, dockerSocketOptIn: true },
    );
  });

  it("judges a stack that does not say it is development as production", () => {
    assert.strictEqual(settingsFromConfig({}).environment, "production");
    assert.strictEqual(settingsFromConfig({ "ml-platform:environment": "staging" }).environment, "production");
  });

  it("reads the config the engine passes in PULUMI_CONFIG", () => {
    const config = configFromEnvironment({
      PULUMI_CONFIG: JSON.stringify({ "ml-platform:environment": "development", "ml-platform:kubeconfig": "k" }),
    });
    assert.strictEqual(config["ml-platform:environment"], "development");
    assert.deepStrictEqual(configFromEnvironment({}), {});
    assert.deepStrictEqual(configFromEnvironment({ PULUMI_CONFIG: "not json" }), {});
  });

  it("takes secret-named config values as secrets, and paths to them as not", () => {
    const values = secretConfigValues({
      "ml-platform:kubeconfig": "kubeconfig-content-here",
      "ml-platform:kubernetes": JSON.stringify({ kubeconfigPath: "~/.kube/config" }),
      "ml-platform:environment": "production",
      "aws:secretKey": "AKIAEXAMPLEKEY",
    });
    assert.deepStrictEqual(values.sort(), ["AKIAEXAMPLEKEY", "kubeconfig-content-here"]);
  });
});
