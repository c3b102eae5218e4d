/**
 * The benchmark's floor: loads the stack's SDK modules and registers the same
 * resources the render registered (same types, names, parents and the rendered
 * inputs as plain values) under the same mock runtime, without the program. What the render costs above this is the
 * platform's own work; what this costs above loading the SDKs is the SDK's
 * per-resource machinery, which no program can avoid.
 *
 * node bench-floor.js <resources.json>
 */
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import { SELF_MANAGED_ORGANIZATION } from "./render/mocks";
import { Render } from "./render/model";
import { withoutStackTraces } from "./render/stack-traces";

type ResourceClass = new (name: string, args: object, opts: pulumi.CustomResourceOptions) => pulumi.Resource;

/** The SDK class behind a type token, e.g. kubernetes:apps/v1:Deployment -> @pulumi/kubernetes/apps/v1. */
function classFor(type: string): ResourceClass | undefined {
  const [pkg, module, name] = type.split(":");
  if (pkg === "pulumi" && module === "providers") {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(`@pulumi/${name}/provider`).Provider as ResourceClass;
  }
  if (pkg === "pulumi" || pkg === "ml-platform") return undefined;
  // API groups name their SDK folder by their first label: networking.k8s.io/v1 -> networking/v1.
  const folder = module.replace(/^([a-z0-9]+)[^/]*\//, "$1/");
  const submodule = module.startsWith("index/") || module === "index" ? "" : `/${folder}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`@pulumi/${pkg}${submodule}`)[name] as ResourceClass | undefined;
}

class Group extends pulumi.ComponentResource {
  constructor(type: string, name: string, opts: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.registerOutputs({});
  }
}

async function main(): Promise<void> {
  const render = JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as Render;
  pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: (args) => args.inputs },
    render.project,
    render.stack,
    false,
    SELF_MANAGED_ORGANIZATION,
  );
  const byUrn = new Map(render.resources.map((resource) => [resource.urn, resource]));
  const created = new Map<string, pulumi.Resource>();
  const create = (urn: string): pulumi.Resource | undefined => {
    const resource = byUrn.get(urn);
    if (!resource) return undefined;
    const existing = created.get(urn);
    if (existing) return existing;
    const parent = resource.parent ? create(resource.parent) : undefined;
    const Class = classFor(resource.type);
    const instance =
      resource.type === "pulumi:pulumi:StackReference"
        ? new pulumi.StackReference(
            resource.name,
            { name: `${SELF_MANAGED_ORGANIZATION}/${render.project}/${render.stack}` },
            { parent },
          )
        : Class
          ? new Class(resource.name, resource.inputs, { parent })
          : new Group(resource.type, resource.name, { parent });
    created.set(urn, instance);
    return instance;
  };
  // As the render runs its program (render/stack-traces.ts), so that the two differ by the program alone.
  await withoutStackTraces(async () => {
    await runInPulumiStack(async () => {
      for (const resource of render.resources) create(resource.urn);
      return {};
    });
    await pulumi.runtime.disconnect();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
