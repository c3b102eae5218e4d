/**
 * Where the suite's inputs live in the repository, found from this module's
 * own location so it works compiled (dist/tests/real/setup) and under
 * ts-node (tests/real/setup) alike.
 */
import * as fs from "fs";
import * as path from "path";

export function repoRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "ml-platform") return dir;
  }
  throw new Error(`no ml-platform package.json above ${__dirname}`);
}

/** The folder of the stand-in images' build contexts. */
export function imagesRoot(): string {
  return path.join(repoRoot(), "tests/real/images");
}

/** A stand-in image's build context: tests/real/images/<name>/. */
export function imageContext(name: string): string {
  return path.join(imagesRoot(), name);
}

/** A stack's stack-config overlay, which names its stand-in images (the single source of their tags). */
export function standInsFile(stack: string): string {
  return path.join(repoRoot(), "tests/real/stacks", `${stack}.stand-ins.yaml`);
}
