/**
 * One start or stop of the cluster at a time on a machine: two callers (the suite and a developer's
 * `cli.js cluster`) starting daemons side by side would each see the other's half-started processes as missing.
 * The lock is a file holding the holder's pid; a file whose process is gone is taken over.
 */
import * as fs from "fs";
import { Log, sleep } from "../run";

export async function withClusterLock<T>(file: string, log: Log, body: () => Promise<T>): Promise<T> {
  let waiting = false;
  for (;;) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(fs.readFileSync(file, "utf8").trim());
    if (!holderAlive(holder)) {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!waiting) log(`kubernetes: waiting for process ${holder}, which is starting or stopping the cluster`);
    waiting = true;
    await sleep(1000);
  }
  try {
    return await body();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

function holderAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
