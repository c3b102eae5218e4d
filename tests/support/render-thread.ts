/**
 * The body of the render thread (tests/support/render.ts starts it): renders
 * one command line at a time with the render CLI's own renderCommand and
 * answers on the reply port, then wakes the waiting test. The thread keeps
 * the Pulumi SDK loaded between renders, which a process per render pays for
 * every time; the runtime is global to the thread, so renders never overlap.
 */
import { MessagePort, parentPort } from "worker_threads";
import { renderCommand } from "../../tools/render/cli";

export interface RenderRequest {
  argv: string[];
  /** Int32 slot the caller waits on; set to 1 once the reply is posted. */
  signal: SharedArrayBuffer;
  reply: MessagePort;
}

export interface RenderReply {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * A rejection nobody handled while a render ran: the CLI would have crashed
 * with it (status 1, the stack on stderr), so the thread reports it the same way.
 */
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => unhandled.push(reason));

/** The reply being written: what the program itself prints (the SDK's log lines) belongs to it, as to a process's output. */
let current: RenderReply | undefined;

function capture(stream: NodeJS.WriteStream, into: "stdout" | "stderr"): void {
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (!current) return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
    current[into] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const callback = rest.find((item) => typeof item === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}
capture(process.stdout, "stdout");
capture(process.stderr, "stderr");

async function serve(request: RenderRequest): Promise<void> {
  const reply: RenderReply = { status: 1, stdout: "", stderr: "" };
  const io = {
    stdout: (text: string) => void (reply.stdout += text),
    stderr: (text: string) => void (reply.stderr += text),
  };
  current = reply;
  unhandled.length = 0;
  try {
    reply.status = await renderCommand(request.argv, io);
    // Let rejections of the finished render surface before answering.
    await new Promise((resolve) => setImmediate(resolve));
    // A refused render's CLI exits at once, so only a successful one can be undone by a stray rejection.
    if (reply.status === 0 && unhandled.length > 0) {
      reply.status = 1;
      for (const reason of unhandled) io.stderr(`${reason instanceof Error ? reason.stack : String(reason)}\n`);
    }
  } catch (error) {
    io.stderr(`render thread: ${error instanceof Error ? error.stack : String(error)}\n`);
  } finally {
    current = undefined;
    request.reply.postMessage(reply);
    const signal = new Int32Array(request.signal);
    Atomics.store(signal, 0, 1);
    Atomics.notify(signal, 0);
  }
}

let queue = Promise.resolve();
parentPort?.on("message", (request: RenderRequest) => {
  queue = queue.then(() => serve(request));
});
