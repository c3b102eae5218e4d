/**
 * The host tools the set-up runs (dockerd, debootstrap, ip) come from
 * Debian's packages; on a fresh machine the suite installs them itself.
 */
import { Log, onPath, run } from "./run";

const APT_ENV = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };

/** Makes sure each program is on PATH, installing the Debian package that ships it when it is not. */
export async function ensureHostPrograms(programs: Record<string, string>, log: Log): Promise<void> {
  const missing: string[] = [];
  for (const [program, debianPackage] of Object.entries(programs)) {
    if (!(await onPath(program))) missing.push(debianPackage);
  }
  if (missing.length === 0) return;
  const packages = [...new Set(missing)].sort();
  log(`installing ${packages.join(", ")} with apt-get`);
  try {
    await run("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { env: APT_ENV });
  } catch {
    // A fresh machine may have no package lists yet.
    await run("apt-get", ["update"], { env: APT_ENV });
    await run("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { env: APT_ENV });
  }
}
