/**
 * An addon's container image: its Go program compiled from a pinned wrapper
 * module (go-build.ts), put into an image FROM scratch with the Dockerfile of
 * tests/real/images/<context>/, built by the suite's Docker Engine and tagged
 * as a local stand-in (ml-platform-standin/<name>:<version>). No registry is
 * reachable, so nothing here is pulled; the image goes to the node with
 * importImages.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contentKey, treeKey } from "../../cache";
import { Engine } from "../../engine";
import { ensureGoTool, GoToolRecipe } from "../../go-build";
import { imageContext } from "../../repo-paths";
import { Log, run } from "../../run";

/** The label that carries the key of everything an addon image is built from. */
const INPUTS_LABEL = "ml-platform.addon.inputs";
export const ADDON_REPOSITORY = "ml-platform-standin";

export interface AddonImageSpec {
  /** How to compile the program; its binaries are copied into the build context under their output names. */
  recipe: GoToolRecipe;
  /** The build context's folder name under tests/real/images/. */
  context: string;
  /** The image tag, e.g. ml-platform-standin/coredns:1.14.7. */
  tag: string;
}

export interface AddonImage {
  tag: string;
  /** True when this call built the image, false when the engine already had it from the same inputs. */
  built: boolean;
}

/** The tag an addon's image gets: its upstream version without the leading "v". */
export function addonTag(name: string, version: string): string {
  return `${ADDON_REPOSITORY}/${name}:${version.replace(/^v/, "")}`;
}

export async function ensureAddonImage(engine: Engine, spec: AddonImageSpec, log: Log): Promise<AddonImage> {
  const install = await ensureGoTool(spec.recipe, log);
  const context = imageContext(spec.context);
  // The install folder's name already hashes the wrapper module, the recipe and the Go release.
  const inputs = contentKey(path.basename(install.dir), treeKey(context), spec.tag);
  if ((await labelOf(engine, spec.tag)) === inputs) {
    log(`${spec.tag}: up to date`);
    return { tag: spec.tag, built: false };
  }
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), `ml-platform-${spec.context}-`));
  try {
    fs.cpSync(context, staging, { recursive: true });
    for (const [output, binary] of Object.entries(install.binaries)) {
      fs.copyFileSync(binary, path.join(staging, output));
      fs.chmodSync(path.join(staging, output), 0o755);
    }
    log(`${spec.tag}: building from images/${spec.context}`);
    await run("docker", ["build", "--label", `${INPUTS_LABEL}=${inputs}`, "--tag", spec.tag, staging], {
      env: engine.env,
      log,
    });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { tag: spec.tag, built: true };
}

async function labelOf(engine: Engine, tag: string): Promise<string | undefined> {
  try {
    const format = `{{ index .Config.Labels "${INPUTS_LABEL}" }}`;
    const { stdout } = await run("docker", ["image", "inspect", "--format", format, tag], { env: engine.env });
    return stdout.trim();
  } catch {
    return undefined;
  }
}
