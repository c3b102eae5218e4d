/**
 * The suite's cache: everything the real-runtime suite builds (the Docker
 * Engine's data, the Debian base, downloaded packages, images) lives outside
 * the repository, under keyed folders, so a warm run finds it and rebuilds
 * nothing, and a fresh clone (CI) on the same machine reuses it.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

/** The cache root; ML_PLATFORM_CACHE moves it (a test, a bigger disk). */
export function cacheRoot(): string {
  return path.resolve(process.env.ML_PLATFORM_CACHE ?? "/var/cache/ml-platform");
}

/** A folder under the cache root, created on first use. */
export function cacheDir(...segments: string[]): string {
  const dir = path.join(cacheRoot(), ...segments);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A short, stable key for inputs (package lists, versions, file contents). */
export function contentKey(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    // The length prefix keeps ["ab", "c"] and ["a", "bc"] apart.
    hash.update(`${Buffer.byteLength(part)}:`);
    hash.update(part);
  }
  return hash.digest("hex").slice(0, 16);
}

/** The content key of a directory tree: relative paths, modes' executable bit and bytes, in sorted order. */
export function treeKey(root: string): string {
  const parts: (string | Buffer)[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      const relative = path.relative(root, full);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const executable = (fs.statSync(full).mode & 0o111) !== 0;
        parts.push(`${relative}${executable ? "*" : ""}`, fs.readFileSync(full));
      }
    }
  };
  walk(root);
  return contentKey(...parts);
}

/**
 * Fills `dir` once: when `dir/.complete` is absent, `fill` runs in a fresh
 * staging folder that is renamed into place only when it succeeds, so an
 * interrupted run leaves no half-built entry that a later run would trust.
 */
export async function ensureCached(dir: string, fill: (staging: string) => Promise<void>): Promise<boolean> {
  const marker = path.join(dir, ".complete");
  if (fs.existsSync(marker)) return false;
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    await fill(staging);
    fs.writeFileSync(path.join(staging, ".complete"), new Date().toISOString() + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(staging, dir);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return true;
}
