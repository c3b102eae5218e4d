/**
 * The Pulumi SDK takes a stack trace for every promise it makes
 * (debuggablePromise), only so that its leak report at exit can say where a
 * promise came from. Under the mock runtime that bookkeeping is most of a
 * warm render: a dev render in a thread that has rendered before took about
 * 470 ms with V8's default of 10 frames and 240 ms with none. So the offline
 * render runs the program without stack traces, and a render that breaks is
 * run again with them (run.ts), so the error it reports still says where.
 */

/**
 * `work` with Error.stackTraceLimit at 0, restored after. The limit belongs
 * to the thread: whatever else the thread does meanwhile takes no stack traces
 * either, which is why it wraps only a program's run under the mock runtime
 * (the render, the benchmark's floor, the component tests' harness), of which
 * a thread runs one at a time.
 */
export async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
