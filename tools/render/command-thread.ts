/**
 * The body of a command thread (started by thread-client.ts): runs command
 * functions such as renderCommand, one at a time, in a thread that keeps the
 * Pulumi SDK loaded between them. A process per render loads it every time.
 * The runtime is global to the thread, which is why commands never overlap.
 *
 * Each request names a compiled module and the command it exports, called
 * as command(argv, io, settings). What the command prints, and whatever the
 * program prints through the console meanwhile (the SDK's log lines), is its
 * reply's output, as it would be a process's.
 */
import { MessagePort, parentPort } from "worker_threads";

export interface CommandRequest {
  /** The compiled module that exports the command. */
  module: string;
  /** The name of the exported command function. */
  command: string;
  argv: string[];
  settings?: unknown;
  reply: MessagePort;
  /** An Int32 slot set to 1 once the reply is posted, for a caller that blocks on it (Atomics.wait). */
  signal?: SharedArrayBuffer;
}

export interface CommandReply {
  status: number;
  stdout: string;
  stderr: string;
}

interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

type Command = (argv: string[], io: CommandIo, settings?: unknown) => Promise<number>;

let current: CommandReply | undefined;

function capture(stream: NodeJS.WriteStream, into: "stdout" | "stderr"): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (!current) return write(chunk, ...rest);
    current[into] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    (rest.find((item) => typeof item === "function") as (() => void) | undefined)?.();
    return true;
  }) as typeof stream.write;
}

/**
 * A rejection nobody handled, or an exception nobody caught, while a command
 * ran: a process would have died of it (status 1, the stack on stderr), so
 * the reply says the same, and the thread lives on for the next command.
 */
const unhandled: unknown[] = [];

async function serve(request: CommandRequest): Promise<void> {
  const reply: CommandReply = { status: 1, stdout: "", stderr: "" };
  const io: CommandIo = {
    stdout: (text) => void (reply.stdout += text),
    stderr: (text) => void (reply.stderr += text),
  };
  current = reply;
  unhandled.length = 0;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const command = (require(request.module) as Record<string, Command>)[request.command];
    if (typeof command !== "function") throw new Error(`${request.module} exports no command ${request.command}`);
    reply.status = await command(request.argv, io, request.settings);
    // Let rejections of the finished command surface before answering.
    await new Promise((resolve) => setImmediate(resolve));
    // A refusing CLI exits at once, so only a command that succeeded can be undone by a stray rejection.
    if (reply.status === 0 && unhandled.length > 0) {
      reply.status = 1;
      for (const reason of unhandled) io.stderr(`${reason instanceof Error ? reason.stack : String(reason)}\n`);
    }
  } catch (error) {
    io.stderr(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    reply.status = 1;
  } finally {
    current = undefined;
    request.reply.postMessage(reply);
    request.reply.close();
    if (request.signal) {
      const signal = new Int32Array(request.signal);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    }
  }
}

if (parentPort) {
  capture(process.stdout, "stdout");
  capture(process.stderr, "stderr");
  process.on("unhandledRejection", (reason) => unhandled.push(reason));
  process.on("uncaughtException", (error) => unhandled.push(error));
  let queue = Promise.resolve();
  parentPort.on("message", (request: CommandRequest) => {
    queue = queue.then(() => serve(request));
  });
}
