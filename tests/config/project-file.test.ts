import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PLATFORM_SCALAR_KEYS, platformConfigSchema, REQUIRED_KEYS } from "../../config/schema";
import { projectRoot } from "../../platform/project-root";

interface Declaration {
  type?: string;
  description?: string;
  default?: unknown;
}

describe("Pulumi.yaml", () => {
  const project = parse(fs.readFileSync(path.join(projectRoot(), "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string };
    config: Record<string, Declaration>;
  };
  const defaults = platformConfigSchema.parse({ target: "docker", environment: "development" }) as Record<
    string,
    unknown
  >;
  const required: readonly string[] = REQUIRED_KEYS;

  it("is the ml-platform project on the nodejs runtime", () => {
    assert.strictEqual(project.name, "ml-platform");
    assert.strictEqual(project.runtime.name, "nodejs");
  });

  it("declares every config key the schema knows, and no other", () => {
    assert.deepStrictEqual(Object.keys(project.config).sort(), Object.keys(platformConfigSchema.shape).sort());
  });

  for (const [key, type] of Object.entries(PLATFORM_SCALAR_KEYS).filter(([key]) => !required.includes(key))) {
    it(`declares scalar key ${key} with type ${type}, a description and the schema's default`, () => {
      const declaration = project.config[key];
      assert.strictEqual(declaration.type, type);
      assert.ok(declaration.description && declaration.description.length > 10, `${key} has no description`);
      assert.deepStrictEqual(declaration.default, defaults[key]);
    });
  }

  for (const key of REQUIRED_KEYS) {
    it(`declares ${key} with a type and a description but no default: every stack file must state it`, () => {
      const declaration = project.config[key];
      assert.strictEqual(declaration.type, PLATFORM_SCALAR_KEYS[key]);
      assert.ok(declaration.description && declaration.description.length > 10, `${key} has no description`);
      assert.ok(!("default" in declaration), `${key} has a default (${String(declaration.default)}) in Pulumi.yaml`);
      assert.ok(
        !platformConfigSchema.safeParse({ ...defaults, [key]: undefined }).success,
        `the schema defaults ${key}`,
      );
    });
  }

  it("declares structured keys untyped with an empty default, since Pulumi has no object type", () => {
    for (const key of Object.keys(platformConfigSchema.shape).filter((k) => !(k in PLATFORM_SCALAR_KEYS))) {
      assert.strictEqual(project.config[key].type, undefined, `${key} must not claim a Pulumi type`);
      assert.deepStrictEqual(project.config[key].default, {}, `${key} needs a default so stacks may omit it`);
      assert.ok(project.config[key].description, `${key} has no description`);
    }
  });
});
