/**
 * The Debian bookworm base every stand-in image is built FROM: a
 * `debootstrap --variant=minbase` root filesystem from this machine's Debian
 * mirror plus the few packages every image needs, tarred into the cache
 * (keyed by everything that decides its content) and `docker import`ed.
 */
import * as fs from "fs";
import * as path from "path";
import { cacheDir, contentKey, ensureCached } from "./cache";
import { debianMirror, DebianMirror } from "./debian-mirror";
import { Engine } from "./engine";
import { ensureHostPrograms } from "./host-packages";
import { Log, run } from "./run";

const SUITE = "bookworm";
/** What python's slim image also carries: CA roots, /etc/services and /etc/protocols, time zones. */
export const BASE_PACKAGES = ["ca-certificates", "netbase", "tzdata"];
export const BASE_REPOSITORY = "ml-platform-standin/debian";
const DEBOOTSTRAP_TIMEOUT_SECONDS = 900;

/** Files written into the root filesystem after debootstrap; their text is part of the cache key. */
function baseFiles(mirror: DebianMirror): Record<string, { content: string; mode: number }> {
  return {
    "etc/apt/sources.list.d/debian.sources": {
      mode: 0o644,
      content: [
        `Types: deb\nURIs: ${mirror.archive}\nSuites: ${SUITE} ${SUITE}-updates\nComponents: main`,
        `Types: deb\nURIs: ${mirror.security}\nSuites: ${SUITE}-security\nComponents: main`,
      ].join("\n\n"),
    },
    // Images get no recommended extras, as Debian's docker images and the official slim images.
    "etc/apt/apt.conf.d/90ml-platform-no-recommends": {
      mode: 0o644,
      content: 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n',
    },
    // Packages installed into an image never try to start their services (postgresql, nginx) during a build.
    "usr/sbin/policy-rc.d": {
      mode: 0o755,
      content: "#!/bin/sh\n# Services never start while an image is built.\nexit 101\n",
    },
    // Documentation is dead weight in an image; copyright notices stay.
    "etc/dpkg/dpkg.cfg.d/90ml-platform-no-docs": {
      mode: 0o644,
      content: [
        "path-exclude /usr/share/doc/*",
        "path-include /usr/share/doc/*/copyright",
        "path-exclude /usr/share/man/*",
        "path-exclude /usr/share/info/*",
        "path-exclude /usr/share/locale/*",
        "",
      ].join("\n"),
    },
  };
}

/** docker import's image configuration: what the official Debian-based images set. */
const IMPORT_CHANGES = [
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "ENV LANG=C.UTF-8",
  'CMD ["/bin/bash"]',
];

export interface BaseImage {
  tag: string;
  /** The key of the base's content; images built on it include it in their own. */
  key: string;
  built: boolean;
}

function baseKey(mirror: DebianMirror): string {
  const files = baseFiles(mirror);
  return contentKey(
    SUITE,
    "minbase",
    mirror.archive,
    BASE_PACKAGES.join(","),
    ...Object.keys(files)
      .sort()
      .map((file) => `${file}:${files[file].mode}:${files[file].content}`),
    ...IMPORT_CHANGES,
  );
}

async function debootstrap(staging: string, mirror: DebianMirror, log: Log): Promise<void> {
  await ensureHostPrograms({ debootstrap: "debootstrap" }, log);
  const rootfs = path.join(staging, "rootfs");
  log(`debootstrap --variant=minbase ${SUITE} from ${mirror.archive} (about 100 s)`);
  await run(
    "debootstrap",
    ["--variant=minbase", `--include=${BASE_PACKAGES.join(",")}`, SUITE, rootfs, mirror.archive],
    { timeoutSeconds: DEBOOTSTRAP_TIMEOUT_SECONDS },
  );
  for (const [file, { content, mode }] of Object.entries(baseFiles(mirror))) {
    const target = path.join(rootfs, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content.endsWith("\n") ? content : content + "\n", { mode });
    fs.chmodSync(target, mode);
  }
  // One source of truth for apt's sources: the deb822 file above.
  fs.rmSync(path.join(rootfs, "etc/apt/sources.list"), { force: true });
  // Docker manages these per container; the host's own must not be baked in.
  for (const file of ["etc/resolv.conf", "etc/hostname", "etc/machine-id"]) {
    fs.rmSync(path.join(rootfs, file), { force: true });
    fs.writeFileSync(path.join(rootfs, file), "");
  }
  for (const dir of [
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
  ]) {
    await run("find", [
      path.join(rootfs, dir),
      "-mindepth",
      "1",
      "-type",
      "f",
      "(",
      "-name",
      "copyright",
      "-o",
      "-print",
      ")",
      "-delete",
    ]);
  }
  log("packing the root filesystem");
  await run("tar", [
    "--numeric-owner",
    "--xattrs",
    "-C",
    rootfs,
    "--exclude=./dev/*",
    "--exclude=./proc/*",
    "--exclude=./sys/*",
    "-cf",
    path.join(staging, "rootfs.tar"),
    ".",
  ]);
  // The tarball is what the cache keeps; the tree would only double the space.
  await run("rm", ["-rf", rootfs]);
}

export async function imageExists(engine: Engine, tag: string): Promise<boolean> {
  try {
    await run("docker", ["image", "inspect", "--format", "{{.Id}}", tag], { env: engine.env });
    return true;
  } catch {
    return false;
  }
}

/** The base image on the engine: imported from the cached tarball, which is built when missing. */
export async function ensureBaseImage(engine: Engine, log: Log): Promise<BaseImage> {
  const mirror = debianMirror();
  const key = baseKey(mirror);
  const tag = `${BASE_REPOSITORY}:${SUITE}-minbase-${key}`;
  if (await imageExists(engine, tag)) return { tag, key, built: false };
  const dir = path.join(cacheDir("base"), key);
  await ensureCached(dir, (staging) => debootstrap(staging, mirror, log));
  log(`importing ${tag}`);
  await run(
    "docker",
    ["import", ...IMPORT_CHANGES.flatMap((change) => ["--change", change]), path.join(dir, "rootfs.tar"), tag],
    {
      env: engine.env,
    },
  );
  return { tag, key, built: true };
}
