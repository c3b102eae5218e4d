/**
 * The real-runtime suite's stand-in overlays (tests/real/stacks/<stack>.stand-ins.yaml):
 * the committed ones name a stand-in for every image their stack names, the
 * stacks they make still validate (prod under production's image policy), and
 * the overlay reader refuses what would leave an image unbuilt or make two
 * builds fight over one tag. No engine needed.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { isKubernetesVariant } from "../../config/images";
import { decodeProjectConfig } from "../../config/load";
import { validatePlatformConfig } from "../../config/validate";
import { projectRoot } from "../../platform/project-root";
import { readStackConfig } from "../../tools/render/stack-config";
import {
  contextChain,
  readEveryStandInTag,
  readStandInTags,
  STAND_IN_CONTEXTS,
  STAND_IN_STACKS,
  StandInStack,
} from "../real/setup/images";
import { standInsFile } from "../real/setup/repo-paths";
import { suiteConfig, writeStackFile } from "../real/stack-files";

type Config = Record<string, Record<string, unknown>>;

function committedOverlay(stack: StandInStack): Config {
  return (parse(fs.readFileSync(standInsFile(stack), "utf8")) as { config: Config }).config;
}

describe("stand-in overlays", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-ins-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** An overlay file for `stack`: the committed one with `images` changed (undefined removes a key). */
  function overlayFile(stack: StandInStack, images: Record<string, string | undefined>): string {
    const config = committedOverlay(stack);
    const changed: Record<string, unknown> = { ...config["ml-platform:images"], ...images };
    for (const [key, value] of Object.entries(changed)) if (value === undefined) delete changed[key];
    const file = path.join(dir, `${stack}.stand-ins.yaml`);
    fs.writeFileSync(file, stringify({ config: { ...config, "ml-platform:images": changed } }));
    return file;
  }

  it("name a stand-in for every image each stack's committed file names", () => {
    const stacks = readEveryStandInTag();
    for (const stack of STAND_IN_STACKS) {
      const committed = parse(fs.readFileSync(path.join(projectRoot(), `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Config;
      };
      const tags: Record<string, string> = stacks[stack];
      for (const role of Object.keys(committed.config["ml-platform:images"] ?? {}))
        assert.ok(tags[role]?.startsWith("ml-platform-standin/"), `${stack}: ${role} has a stand-in`);
    }
  });

  it("give prod's worker the -kubernetes stand-in, built from its own context", () => {
    const { dev, prod } = readEveryStandInTag();
    assert.ok(isKubernetesVariant(prod.prefectWorker), prod.prefectWorker);
    assert.notStrictEqual(prod.prefectWorker, dev.prefectWorker);
    assert.strictEqual(STAND_IN_CONTEXTS.prod.prefectWorker, "prefect-kubernetes");
    assert.strictEqual(STAND_IN_CONTEXTS.prod.prefectServer, STAND_IN_CONTEXTS.dev.prefectServer);
  });

  for (const stack of STAND_IN_STACKS) {
    it(`make a ${stack} stack that validates`, () => {
      const file = writeStackFile(dir, stack, suiteConfig(stack), "suite");
      const source = readStackConfig(projectRoot(), stack, file);
      const result = validatePlatformConfig(decodeProjectConfig(source.config));
      assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.problems));
    });
  }

  it("build the -kubernetes worker from the prefect context's files with its own lock", () => {
    assert.deepStrictEqual(contextChain(STAND_IN_CONTEXTS.prod.prefectWorker), ["prefect", "prefect-kubernetes"]);
    assert.deepStrictEqual(contextChain("prefect"), ["prefect"]);
  });

  it("refuse an overlay that leaves an image out", () => {
    const file = overlayFile("prod", { prefectWorker: undefined });
    assert.throws(() => readStandInTags("prod", file), /names no image for prefectWorker/);
  });

  it("refuse an image the suite has no stand-in for", () => {
    const file = overlayFile("prod", { scheduler: "ml-platform-standin/python:3.11-bookworm" });
    assert.throws(() => readStandInTags("prod", file), /scheduler, which the suite has no stand-in for/);
  });

  it("refuse a tag the stack would refuse", () => {
    const file = overlayFile("dev", { serving: "ml-platform-standin/python:latest" });
    assert.throws(() => readStandInTags("dev", file), /serving "ml-platform-standin\/python:latest"/);
  });

  it("refuse one tag for two build contexts, across the stacks' overlays", () => {
    const { dev } = readEveryStandInTag();
    const prod = overlayFile("prod", { prefectWorker: dev.prefectWorker });
    const files = (stack: StandInStack) => (stack === "prod" ? prod : standInsFile(stack));
    assert.throws(() => readEveryStandInTag(files), /built from images\/prefect-kubernetes but tagged/);
  });

  it("refuse one tag for two build contexts within a stack", () => {
    const { dev } = readEveryStandInTag();
    const file = overlayFile("dev", { postgres: dev.serving });
    assert.throws(() => readStandInTags("dev", file), /built from images\/(postgres|python) but tagged/);
  });
});
