/**
 * The stand-in images the suite's stacks run on, built here with `docker
 * build` FROM the Debian base because no registry is reachable. Their tags
 * come from each stack's overlay, tests/real/stacks/<stack>.stand-ins.yaml
 * (the only place they are written); every overlay is read on every run, so
 * each build context is built once for all stacks, as one image carrying
 * every tag the overlays give it (prod's policy wants exact releases such as
 * python:3.11.2-bookworm where dev's overlay may name python:3.11-bookworm).
 * Each image carries a label with the content hash of everything it is built
 * from (base, build context, Debian packages, wheels), so an image whose
 * inputs did not change is reused, not rebuilt.
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

/**
 * Per stack the suite knows, the stack-config keys that name an image and the
 * build context (tests/real/images/<name>) of each.
 */
export const STAND_IN_CONTEXTS = {
  dev: {
    prefectServer: "prefect",
    prefectWorker: "prefect",
    postgres: "postgres",
    serving: "python",
    training: "python",
    proxyImage: "nginx",
  },
  prod: {
    prefectServer: "prefect",
    // The Kubernetes worker type comes with prefect-kubernetes, which only the -kubernetes image carries.
    prefectWorker: "prefect-kubernetes",
    postgres: "postgres",
    serving: "python",
    training: "python",
  },
} as const;

export type StandInStack = keyof typeof STAND_IN_CONTEXTS;
export type StandInRole<S extends StandInStack> = keyof (typeof STAND_IN_CONTEXTS)[S] & string;
export type StandInTags<S extends StandInStack> = Record<StandInRole<S>, string>;
export type StandInTagsByStack = { [S in StandInStack]: StandInTags<S> };
export interface StandInBuild {
  built: string[];
  reused: string[];
  seconds: number;
}
export type StandInImages<S extends StandInStack> = StandInTags<S> & StandInBuild;
export type EveryStandInImage = { stacks: StandInTagsByStack } & StandInBuild;

export const STAND_IN_STACKS = Object.keys(STAND_IN_CONTEXTS) as StandInStack[];
export const CONTEXT_HASH_LABEL = "ml-platform.stand-in.context-hash";
const PACKAGE_LIST = "debian-packages";
const LOCK_FILE = "requirements.lock";
/** A context holding this file is built from the context it names, with its own files replacing same-named ones. */
const EXTENDS_FILE = "extends";

export function standInRoles<S extends StandInStack>(stack: S): StandInRole<S>[] {
  return Object.keys(STAND_IN_CONTEXTS[stack]) as StandInRole<S>[];
}

function contextOf<S extends StandInStack>(stack: S, role: StandInRole<S>): string {
  return (STAND_IN_CONTEXTS[stack] as Record<string, string>)[role];
}

interface Naming {
  file: string;
  role: string;
  context: string;
  tag: string;
}

/**
 * The tags of each build context the namings use, checked: a tag belongs to
 * one context, or two builds would replace each other's image on every run.
 */
function tagsOfContexts(namings: Naming[]): Map<string, string[]> {
  const contextOfTag = new Map<string, Naming>();
  const tags = new Map<string, Set<string>>();
  for (const naming of namings) {
    const sameTag = contextOfTag.get(naming.tag);
    if (sameTag && sameTag.context !== naming.context) {
      throw new Error(
        `${naming.file}: ${naming.role} is built from images/${naming.context} but tagged ${naming.tag} like ${sameTag.role} in ${sameTag.file}, which is built from images/${sameTag.context}`,
      );
    }
    contextOfTag.set(naming.tag, naming);
    tags.set(naming.context, (tags.get(naming.context) ?? new Set()).add(naming.tag));
  }
  return new Map([...tags].map(([context, set]) => [context, [...set].sort()]));
}

function namingsOf<S extends StandInStack>(stack: S, tags: StandInTags<S>, file: string): Naming[] {
  return standInRoles(stack).map((role) => ({ file, role, context: contextOf(stack, role), tag: tags[role] }));
}

/** A stack's tags in its overlay, checked: every role present and pinned, no image the suite would not build. */
export function readStandInTags<S extends StandInStack>(stack: S, file: string = standInsFile(stack)): StandInTags<S> {
  const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, Record<string, unknown>> } | null;
  const config = document?.config ?? {};
  const images = config["ml-platform:images"] ?? {};
  const roles: string[] = standInRoles(stack);
  for (const key of Object.keys(images)) {
    if (!roles.includes(key)) throw new Error(`${file} names an image for ${key}, which the suite has no stand-in for`);
  }
  const found: Record<string, unknown> = { ...images, ...config["ml-platform:docker"] };
  const tags = {} as Record<string, string>;
  for (const role of roles) {
    const tag = found[role];
    if (typeof tag !== "string" || tag === "") throw new Error(`${file} names no image for ${role}`);
    // The stack validates these references like any other; a tag it would refuse is caught here first.
    const unpinned = unpinnedReason(tag);
    if (unpinned) throw new Error(`${file}: ${role} "${tag}" ${unpinned}`);
    tags[role] = tag;
  }
  tagsOfContexts(namingsOf(stack, tags as StandInTags<S>, file));
  return tags as StandInTags<S>;
}

/** Every stack's tags, checked together: no tag names two build contexts across the overlays. */
export function readEveryStandInTag(file: (stack: StandInStack) => string = standInsFile): StandInTagsByStack {
  const read = <S extends StandInStack>(stack: S) => readStandInTags(stack, file(stack));
  const stacks: StandInTagsByStack = { dev: read("dev"), prod: read("prod") };
  tagsOfContexts(STAND_IN_STACKS.flatMap((stack) => namingsOf(stack, stacks[stack], file(stack))));
  return stacks;
}

/** The build contexts whose files make up `name`, the one it extends first. */
export function contextChain(name: string, seen: string[] = []): string[] {
  if (seen.includes(name)) throw new Error(`images/${name} extends itself (${[...seen, name].join(" -> ")})`);
  const dir = imageContext(name);
  if (!fs.existsSync(dir)) throw new Error(`there is no build context images/${name}`);
  const extendsFile = path.join(dir, EXTENDS_FILE);
  if (!fs.existsSync(extendsFile)) return [name];
  const [parent, ...rest] = readPackageList(extendsFile);
  if (parent === undefined || rest.length > 0) throw new Error(`${extendsFile} must name one build context`);
  return [...contextChain(parent, [...seen, name]), name];
}

/** The file `name` of a context: its own, or else the one it inherits. */
function contextFile(chain: string[], name: string): string | undefined {
  return chain
    .map((context) => path.join(imageContext(context), name))
    .reverse()
    .find((file) => fs.existsSync(file));
}

interface Plan {
  context: string;
  tags: string[];
  chain: string[];
  packages: string[];
  lockFile?: string;
  hash: string;
}

function planFor(context: string, tags: string[], base: BaseImage): Plan {
  const chain = contextChain(context);
  const packageList = contextFile(chain, PACKAGE_LIST);
  if (!packageList) throw new Error(`images/${context} has no ${PACKAGE_LIST} list`);
  const packages = readPackageList(packageList);
  const lockFile = contextFile(chain, LOCK_FILE);
  const hash = contentKey(
    base.key,
    ...chain.map((name) => treeKey(imageContext(name))),
    path.basename(debSetDir(base, packages)),
    lockFile ? path.basename(wheelsDir(lockFile)) : "",
  );
  return { context, tags, chain, packages, lockFile, hash };
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
  // The extended context's files first, then the context's own over them.
  for (const name of plan.chain) fs.cpSync(imageContext(name), context, { recursive: true, force: true });
  linkFiles(debs, path.join(context, "debs"));
  if (wheels) linkFiles(wheels, path.join(context, "wheels"));
  log(`building ${plan.tags.join(", ")}`);
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
        ...plan.tags.flatMap((tag) => ["--tag", tag]),
        context,
      ],
      // The engine's classic builder: the Docker CLI on PATH may have no BuildKit plugin.
      { env: { ...engine.env, DOCKER_BUILDKIT: "0" }, timeoutSeconds: 1200 },
    );
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

/** Builds the images of `contexts` (context → tags) that are missing or out of date, and reuses the rest. */
async function ensureContexts(engine: Engine, contexts: Map<string, string[]>, log: Log): Promise<StandInBuild> {
  const started = Date.now();
  const base = await ensureBaseImage(engine, log);
  const plans = [...contexts].map(([context, tags]) => planFor(context, tags, base));

  const stale: Plan[] = [];
  const reused: string[] = [];
  for (const plan of plans) {
    const labels = await Promise.all(plan.tags.map((tag) => labelOf(engine, tag)));
    if (labels.every((label) => label === plan.hash)) reused.push(...plan.tags);
    else stale.push(plan);
  }

  const built: string[] = [];
  if (stale.length > 0) {
    // Contexts that extend another share its package list; each list is downloaded once.
    const lists = [...new Map(stale.map((plan) => [debSetDir(base, plan.packages), plan.packages])).values()];
    await ensureDebSets(engine, base, lists, log);
    for (const plan of stale) {
      const wheels = plan.lockFile ? await ensureWheels(plan.lockFile, log) : undefined;
      await build(engine, plan, base, debSetDir(base, plan.packages), wheels, log);
      built.push(...plan.tags);
    }
    // Images the rebuilt tags replaced are no use to anyone.
    await run("docker", ["image", "prune", "--force", "--filter", `label=${CONTEXT_HASH_LABEL}`], { env: engine.env });
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  log(`stand-in images ready in ${seconds}s (built: ${built.join(", ") || "none"})`);
  return { built, reused, seconds };
}

/** Every build context the stacks use, with every tag the overlays give it. */
export function everyContext(stacks: StandInTagsByStack): Map<string, string[]> {
  return tagsOfContexts(STAND_IN_STACKS.flatMap((stack) => namingsOf(stack, stacks[stack], standInsFile(stack))));
}

/**
 * Builds the stand-in images one stack runs on (dev when none is named) that
 * are missing or out of date, and reuses the rest; returns that stack's tags.
 */
export async function ensureStandInImages(engine: Engine, log: Log): Promise<StandInImages<"dev">>;
export async function ensureStandInImages<S extends StandInStack>(
  engine: Engine,
  log: Log,
  stack: S,
): Promise<StandInImages<S>>;
export async function ensureStandInImages(
  engine: Engine,
  log: Log,
  stack: StandInStack = "dev",
): Promise<StandInImages<StandInStack>> {
  // Every overlay is read, so this stack's tags cannot clash with another stack's, and an image is
  // built with the tags every stack gives it (not rebuilt when the other stack's turn comes).
  const stacks = readEveryStandInTag();
  const used = new Set(Object.values(STAND_IN_CONTEXTS[stack]) as string[]);
  const contexts = new Map([...everyContext(stacks)].filter(([context]) => used.has(context)));
  return { ...stacks[stack], ...(await ensureContexts(engine, contexts, log)) };
}

/** Builds every stack's stand-in images that are missing or out of date, each build context once. */
export async function ensureEveryStandInImage(engine: Engine, log: Log): Promise<EveryStandInImage> {
  const stacks = readEveryStandInTag();
  return { stacks, ...(await ensureContexts(engine, everyContext(stacks), log)) };
}
