/** Small helpers every stack's scenario uses: waiting on the runtime, timing, reading the suite's stack config. */
import { sleep } from "./setup/run";

/** A section of a stack config (`ml-platform:<key>`). */
export function section<T>(config: Record<string, unknown>, key: string): T {
  return config[`ml-platform:${key}`] as T;
}

/** Seconds since `since` (a Date.now() value), to one decimal. */
export function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** Polls `probe` until it returns a value or `timeoutSeconds` pass; the last error explains a time-out. */
export async function waitFor<T>(
  what: string,
  timeoutSeconds: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(1000);
  }
  throw new Error(`${what} did not happen within ${timeoutSeconds}s (${last})`);
}
