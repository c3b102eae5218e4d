/**
 * Opens each volume the in-tree hostpath provisioner creates to every user.
 *
 * kube-controller-manager creates a hostpath volume as root with mode 0750 (pkg/volume/hostpath), and hostPath
 * volumes ignore fsGroup, so a pod that runs as any other user (Postgres, Prefect) could not write to its own claim.
 * MicroK8s's hostpath provisioner creates its folders with mode 0777; this watcher does the same for the built-in
 * one. It runs as one of the cluster's daemons (`node hostpath-permissions.js <folder>`), reacting to inotify events
 * within milliseconds, long before the claim's pod is scheduled and started.
 */
import * as fs from "fs";
import * as path from "path";

const OPEN_MODE = 0o777;

function open(dir: string, name: string): void {
  const full = path.join(dir, name);
  try {
    const stats = fs.lstatSync(full);
    if (stats.isDirectory() && (stats.mode & 0o777) !== OPEN_MODE) fs.chmodSync(full, OPEN_MODE);
  } catch {
    // Deleted again (a released volume) before it could be opened.
  }
}

export function watchHostpathVolumes(dir: string): fs.FSWatcher {
  fs.mkdirSync(dir, { recursive: true });
  const watcher = fs.watch(dir, (_event, name) => {
    if (name) open(dir, name.toString());
  });
  // Volumes made while no watcher ran.
  for (const name of fs.readdirSync(dir)) open(dir, name);
  return watcher;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: hostpath-permissions.js <folder>");
    process.exit(2);
  }
  watchHostpathVolumes(dir);
  console.log(`opening new volumes under ${dir} to every user (mode 0777)`);
}
