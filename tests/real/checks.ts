/**
 * The suite's checks: each one asserts a property of the running platform and
 * reports the figure it measured. A check that cannot run (because an earlier
 * step failed) fails with that reason; nothing is skipped silently.
 */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** The measured figure on success, the reason on failure. */
  detail: string;
}

export class Checks {
  readonly results: CheckResult[] = [];

  constructor(private readonly print: (line: string) => void) {}

  /** Runs `body`, which returns the figure to report or throws why the property does not hold. */
  async check(name: string, body: () => Promise<string>): Promise<boolean> {
    try {
      const detail = await body();
      this.record({ name, ok: true, detail });
      return true;
    } catch (error) {
      this.record({ name, ok: false, detail: error instanceof Error ? error.message : String(error) });
      return false;
    }
  }

  /** Fails a check that could not run, with the reason. */
  cannotRun(name: string, reason: string): void {
    this.record({ name, ok: false, detail: `could not run: ${reason}` });
  }

  private record(result: CheckResult): void {
    this.results.push(result);
    this.print(`${result.ok ? "ok  " : "FAIL"} ${result.name}: ${result.detail}`);
  }

  get failed(): number {
    return this.results.filter((result) => !result.ok).length;
  }

  get passed(): number {
    return this.results.filter((result) => result.ok).length;
  }
}

/** Throws with `message` unless `condition` holds. */
export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
