/**
 * Debian packages for the stand-in images, fetched before any build so the
 * builds themselves stay offline. A short-lived container of the base image,
 * on the host's network, lets the base's own apt resolve each image's package
 * list against exactly what the base already has and download the missing
 * .deb files (apt checks them against the signed archive indexes) into the
 * cache, keyed by the base and the list. The image builds COPY them in and
 * install them with apt, which needs nothing from the network for that.
 */
import * as fs from "fs";
import * as path from "path";
import { cacheDir, contentKey } from "./cache";
import { BaseImage } from "./base-image";
import { Engine } from "./engine";
import { runOnHostNetwork } from "./host-network-step";
import { Log } from "./run";

/** A folder of .deb files: everything `packages` needs on top of the base. */
export interface DebSet {
  packages: string[];
  dir: string;
}

export function debSetDir(base: BaseImage, packages: string[]): string {
  return path.join(cacheDir("debs"), contentKey(base.key, [...packages].sort().join(" ")));
}

/** Reads an image's package list: one name per line, # comments. */
export function readPackageList(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "");
}

function shellWords(words: string[]): string {
  for (const word of words) {
    if (!/^[a-z0-9][a-z0-9.+-]*$/.test(word)) throw new Error(`"${word}" is not a Debian package name`);
  }
  return words.join(" ");
}

/** Downloads every missing set in one container (one index update), then moves each into place. */
export async function ensureDebSets(engine: Engine, base: BaseImage, lists: string[][], log: Log): Promise<DebSet[]> {
  const sets = lists.map((packages) => ({ packages, dir: debSetDir(base, packages) }));
  const missing = sets.filter((set) => !fs.existsSync(path.join(set.dir, ".complete")));
  if (missing.length === 0) return sets;

  const staging = path.join(cacheDir("debs"), `.partial-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    // apt runs as root throughout so the files in the cache belong to root, not to its download user.
    const apt = "apt-get -o APT::Sandbox::User=root";
    const script = [
      "set -eu",
      `${apt} update -qq`,
      ...missing.map((set, index) =>
        [
          `mkdir -p /out/${index}/partial`,
          `${apt} install -y -qq --download-only -o Dir::Cache::archives=/out/${index} ${shellWords(set.packages)}`,
          `rm -rf /out/${index}/partial /out/${index}/lock`,
        ].join(" && "),
      ),
    ].join("\n");
    log(`downloading Debian packages for ${missing.map((set) => set.packages.join(" ")).join("; ")}`);
    await runOnHostNetwork(engine, {
      image: base.tag,
      script,
      dockerArgs: ["--volume", `${staging}:/out`],
      timeoutSeconds: 900,
    });
    missing.forEach((set, index) => {
      const from = path.join(staging, String(index));
      const debs = fs.readdirSync(from).filter((file) => file.endsWith(".deb"));
      if (debs.length === 0) throw new Error(`apt downloaded nothing for ${set.packages.join(" ")}`);
      fs.writeFileSync(path.join(from, ".complete"), `${set.packages.join(" ")}\n`);
      fs.rmSync(set.dir, { recursive: true, force: true });
      fs.renameSync(from, set.dir);
    });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return sets;
}
