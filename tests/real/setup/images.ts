/**
 * The stand-in images the dev stack runs on in the real-runtime suite, built
 * here with `docker build` FROM the Debian base because no registry is
 * reachable. Their tags come from tests/real/stacks/dev.stand-ins.yaml (the
 * only place they are written); each image carries a label with the content
 * hash of everything it is built from (base, build context, Debian packages,
 * wheels), so an image whose inputs did not change is reused, not rebuilt.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { unpinnedReason } from "../../../config/images";
import { cacheDir, contentKey, treeKey } from "./cache";
import { BaseImage, ensureBaseImage } from "./base-image";
import { debSetDir, ensureDebSets, readPackageList } from "./debian-packages";
import { Engine } from "./engine";
import { ensureWheels, wheelsDir } from "./python-wheels";
import { imageContext, standInsFile } from "./repo-paths";
import { Log, run } from "./run";

/** The stack-config keys that name an image, and the build context (tests/real/images/<name>) of each. */
export const STAND_IN_CONTEXTS = {
  prefectServer: "prefect",
  prefectWorker: "prefect",
  postgres: "postgres",
  serving: "python",
  training: "python",
  proxyImage: "nginx",
} as const;

export type StandInRole = keyof typeof STAND_IN_CONTEXTS;
export type StandInTags = Record<StandInRole, string>;
export type StandInImages = StandInTags & { built: string[]; reused: string[]; seconds: number };

export const CONTEXT_HASH_LABEL = "ml-platform.stand-in.context-hash";
export const STAND_IN_ROLES = Object.keys(STAND_IN_CONTEXTS) as StandInRole[];
const ROLES = STAND_IN_ROLES;
const PACKAGE_LIST = "debian-packages";
const LOCK_FILE = "requirements.lock";

/** The tags in the overlay, checked: every role present, one tag per build context. */
export function readStandInTags(file: string = standInsFile()): StandInTags {
  const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, Record<string, unknown>> };
  const config = document.config ?? {};
  const found: Record<string, unknown> = { ...config["ml-platform:images"], ...config["ml-platform:docker"] };
  const tags = {} as StandInTags;
  for (const role of ROLES) {
    const tag = found[role];
    if (typeof tag !== "string" || tag === "") throw new Error(`${file} names no image for ${role}`);
    // The stack validates these references like any other; a tag it would refuse is caught here first.
    const unpinned = unpinnedReason(tag);
    if (unpinned) throw new Error(`${file}: ${role} "${tag}" ${unpinned}`);
    tags[role] = tag;
  }
  const tagOfContext = new Map<string, string>();
  for (const role of ROLES) {
    const context = STAND_IN_CONTEXTS[role];
    const other = tagOfContext.get(context);
    if (other !== undefined && other !== tags[role]) {
      throw new Error(
        `${file}: ${role} is built from images/${context} like another role, so it must be tagged ${other}`,
      );
    }
    tagOfContext.set(context, tags[role]);
  }
  return tags;
}

interface Plan {
  context: string;
  tag: string;
  dir: string;
  packages: string[];
  lockFile?: string;
  hash: string;
}

function planFor(context: string, tag: string, base: BaseImage): Plan {
  const dir = imageContext(context);
  const packages = readPackageList(path.join(dir, PACKAGE_LIST));
  const lockFile = fs.existsSync(path.join(dir, LOCK_FILE)) ? path.join(dir, LOCK_FILE) : undefined;
  const hash = contentKey(
    base.key,
    treeKey(dir),
    path.basename(debSetDir(base, packages)),
    lockFile ? path.basename(wheelsDir(lockFile)) : "",
  );
  return { context, tag, dir, packages, lockFile, hash };
}

async function labelOf(engine: Engine, tag: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(
      "docker",
      ["image", "inspect", "--format", `{{index .Config.Labels "${CONTEXT_HASH_LABEL}"}}`, tag],
      {
        env: engine.env,
      },
    );
    return stdout.trim();
  } catch {
    return undefined;
  }
}

/** Hard links when the cache and the context share a file system; copies otherwise. */
function linkFiles(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    if (name.startsWith(".")) continue;
    try {
      fs.linkSync(path.join(from, name), path.join(to, name));
    } catch {
      fs.copyFileSync(path.join(from, name), path.join(to, name));
    }
  }
}

async function build(engine: Engine, plan: Plan, base: BaseImage, debs: string, wheels: string | undefined, log: Log) {
  const context = path.join(cacheDir("contexts"), `${plan.context}-${plan.hash}`);
  fs.rmSync(context, { recursive: true, force: true });
  fs.cpSync(plan.dir, context, { recursive: true });
  linkFiles(debs, path.join(context, "debs"));
  if (wheels) linkFiles(wheels, path.join(context, "wheels"));
  log(`building ${plan.tag}`);
  try {
    await run(
      "docker",
      [
        "build",
        // Nothing in a build reaches the network: packages and wheels are in the context.
        "--network",
        "none",
        // A failed step leaves no stopped container behind.
        "--force-rm",
        "--build-arg",
        `BASE=${base.tag}`,
        "--label",
        `${CONTEXT_HASH_LABEL}=${plan.hash}`,
        "--tag",
        plan.tag,
        context,
      ],
      // The engine's classic builder: the Docker CLI on PATH may have no BuildKit plugin.
      { env: { ...engine.env, DOCKER_BUILDKIT: "0" }, timeoutSeconds: 1200 },
    );
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

/** Builds the stand-in images that are missing or out of date, and reuses the rest. */
export async function ensureStandInImages(engine: Engine, log: Log): Promise<StandInImages> {
  const started = Date.now();
  const tags = readStandInTags();
  const base = await ensureBaseImage(engine, log);
  const contexts = [...new Set(ROLES.map((role) => STAND_IN_CONTEXTS[role]))];
  const plans = contexts.map((context) =>
    planFor(context, tags[ROLES.find((role) => STAND_IN_CONTEXTS[role] === context)!], base),
  );

  const stale: Plan[] = [];
  const reused: string[] = [];
  for (const plan of plans) {
    if ((await labelOf(engine, plan.tag)) === plan.hash) reused.push(plan.tag);
    else stale.push(plan);
  }

  const built: string[] = [];
  if (stale.length > 0) {
    const debSets = await ensureDebSets(
      engine,
      base,
      stale.map((plan) => plan.packages),
      log,
    );
    for (const [index, plan] of stale.entries()) {
      const wheels = plan.lockFile ? await ensureWheels(plan.lockFile, log) : undefined;
      await build(engine, plan, base, debSets[index].dir, wheels, log);
      built.push(plan.tag);
    }
    // Images the rebuilt tags replaced are no use to anyone.
    await run("docker", ["image", "prune", "--force", "--filter", `label=${CONTEXT_HASH_LABEL}`], { env: engine.env });
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  log(`stand-in images ready in ${seconds}s (built: ${built.join(", ") || "none"})`);
  return { ...tags, built, reused, seconds };
}
