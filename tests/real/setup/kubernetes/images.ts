/**
 * Images for the node's containerd. Nothing is pulled: the node has no
 * registry to reach. The sandbox ("pause") image is compiled here from the
 * kubernetes module's own build/pause/linux/pause.c, and the suite's images
 * come from its Docker Engine through `docker save` and `ctr images import`.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cacheRoot, contentKey } from "../cache";
import { Engine, startEngine } from "../engine";
import { repoRoot } from "../repo-paths";
import { Log, run } from "../run";
import { ctrArgs } from "./containerd";
import { ClusterLayout, KUBERNETES_VERSION, PAUSE_IMAGE } from "./layout";

/** Marks an imported image with the Docker image ID it came from, so an unchanged image is not imported twice. */
const SOURCE_LABEL = "ml-platform.docker-image-id";

/** What importImages needs of a running cluster. */
export interface ImageTarget {
  containerdSocket: string;
  ctr: string;
}

/** Moves `tags` from the suite's Docker Engine into the node's containerd, skipping those already there unchanged. */
export async function importImages(target: ImageTarget, engine: Engine, tags: string[], log: Log): Promise<string[]> {
  const missing: string[] = [];
  const ids = new Map<string, string>();
  for (const tag of tags) {
    const id = (
      await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag], { env: engine.env })
    ).stdout.trim();
    ids.set(tag, id);
    if (!(await hasImage(target, tag, id))) missing.push(tag);
  }
  if (missing.length === 0) {
    log(`kubernetes: ${tags.length} image(s) already in containerd`);
    return [];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-images-"));
  try {
    const archive = path.join(dir, "images.tar");
    log(`kubernetes: importing ${missing.join(", ")} into containerd`);
    await run("docker", ["save", "-o", archive, ...missing], { env: engine.env });
    await importArchive(target, archive);
    for (const tag of missing) {
      await run(target.ctr, ctrArgsFor(target, "images", "label", normalize(tag), `${SOURCE_LABEL}=${ids.get(tag)}`));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return missing;
}

/**
 * Imports the sandbox image unless containerd has it. The image's archive is cached (keyed by pause.c, the compiler
 * and the tag), so only the first start on a machine needs the suite's Docker Engine to build it.
 */
export async function ensurePauseImage(layout: ClusterLayout, target: ImageTarget, log: Log): Promise<void> {
  if (await hasImage(target, PAUSE_IMAGE)) return;
  const source = await pauseSource();
  const compiler = (await run("gcc", ["--version"])).stdout.split("\n")[0];
  const archive = path.join(layout.images, `pause-${contentKey(fs.readFileSync(source), compiler, PAUSE_IMAGE)}.tar`);
  if (!fs.existsSync(archive)) await buildPauseImage(source, archive, log);
  log(`kubernetes: importing ${PAUSE_IMAGE} (local build of pause.c) into containerd`);
  await importArchive(target, archive);
}

async function buildPauseImage(source: string, archive: string, log: Log): Promise<void> {
  const engine = await startEngine(log);
  const context = fs.mkdtempSync(path.join(os.tmpdir(), "ml-platform-pause-"));
  try {
    const version = PAUSE_IMAGE.split(":").pop() ?? "";
    // Upstream's build/pause Makefile: a static, size-optimised binary that prints its version with -v.
    await run("gcc", ["-Os", "-Wall", "-Werror", "-static", `-DVERSION=v${version}`, "-o", "pause", source], {
      cwd: context,
    });
    await run("strip", ["pause"], { cwd: context });
    fs.writeFileSync(
      path.join(context, "Dockerfile"),
      'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n',
    );
    await run("docker", ["build", "--tag", PAUSE_IMAGE, context], { env: engine.env, log });
    fs.mkdirSync(path.dirname(archive), { recursive: true });
    const partial = `${archive}.partial-${process.pid}`;
    await run("docker", ["save", "-o", partial, PAUSE_IMAGE], { env: engine.env });
    fs.renameSync(partial, archive);
  } finally {
    fs.rmSync(context, { recursive: true, force: true });
  }
}

/** pause.c from the kubernetes module the wrapper pins (already in Go's module cache after the build). */
async function pauseSource(): Promise<string> {
  const wrapper = path.join(repoRoot(), "tests", "real", "toolchains", "kubernetes");
  const env = {
    ...process.env,
    GOMODCACHE: path.join(cacheRoot(), "go", "mod"),
    GOFLAGS: "-mod=readonly",
    GOWORK: "off",
    GOTOOLCHAIN: "local",
  };
  const { stdout } = await run("go", ["mod", "download", "-json", `k8s.io/kubernetes@${KUBERNETES_VERSION}`], {
    cwd: wrapper,
    env,
  });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir)
    throw new Error(`kubernetes: go mod download printed no folder for k8s.io/kubernetes@${KUBERNETES_VERSION}`);
  return path.join(dir, "build", "pause", "linux", "pause.c");
}

async function importArchive(target: ImageTarget, archive: string): Promise<void> {
  await run(target.ctr, ctrArgsFor(target, "images", "import", archive), { timeoutSeconds: 600 });
}

async function hasImage(target: ImageTarget, tag: string, dockerId?: string): Promise<boolean> {
  const { stdout } = await run(target.ctr, ctrArgsFor(target, "images", "ls", `name==${normalize(tag)}`));
  const rows = stdout.trim().split("\n").slice(1);
  if (rows.length === 0) return false;
  return dockerId === undefined || rows.some((row) => row.includes(`${SOURCE_LABEL}=${dockerId}`));
}

/** The name containerd gives an imported image: Docker's short names live under docker.io (library/ for one part). */
function normalize(tag: string): string {
  const [first, ...rest] = tag.split("/");
  if (rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost")) return tag;
  return rest.length === 0 ? `docker.io/library/${tag}` : `docker.io/${tag}`;
}

function ctrArgsFor(target: ImageTarget, ...args: string[]): string[] {
  return ctrArgs(target.containerdSocket, ...args);
}
