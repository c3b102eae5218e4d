/**
 * Runs command functions (renderCommand, or another tool's) in a command
 * thread (command-thread.ts): started on first use, kept for the next
 * command so the Pulumi SDK is loaded once, and never holding the process
 * open while it has nothing to do. A tool awaits the reply; a test that reads
 * a render like a finished process blocks on it.
 */
import * as path from "path";
import { MessageChannel, receiveMessageOnPort, Worker } from "worker_threads";
import type { CommandReply, CommandRequest } from "./command-thread";

export type { CommandReply };

const BODY = path.join(__dirname, "command-thread.js");

/** What to run: the compiled module that exports the command, its name, and its arguments. */
export interface CommandCall {
  module: string;
  command: string;
  argv: string[];
  settings?: unknown;
}

export class CommandThread {
  private worker?: Worker;
  private pending = 0;

  private thread(): Worker {
    // threadId is -1 once the thread has stopped, even before its exit event could run.
    if (!this.worker || this.worker.threadId === -1) {
      const worker = new Worker(BODY);
      worker.unref();
      worker.on("exit", () => {
        if (this.worker === worker) this.worker = undefined;
      });
      this.worker = worker;
    }
    return this.worker;
  }

  /** The command's reply; the thread is held (ref'd) while any reply is awaited. */
  async run(call: CommandCall): Promise<CommandReply> {
    const worker = this.thread();
    const { port1, port2 } = new MessageChannel();
    if (this.pending++ === 0) worker.ref();
    try {
      return await new Promise<CommandReply>((resolve, reject) => {
        const onExit = (code: number) => reject(new Error(`the command thread stopped (exit code ${code})`));
        worker.once("exit", onExit);
        port1.once("message", (reply: CommandReply) => {
          worker.off("exit", onExit);
          resolve(reply);
        });
        const request: CommandRequest = { ...call, reply: port2 };
        worker.postMessage(request, [port2]);
      });
    } finally {
      port1.close();
      if (--this.pending === 0) worker.unref();
    }
  }

  /** The command's reply, blocking this thread until it comes (or `timeoutMs` passes). */
  runSync(call: CommandCall, timeoutMs: number): CommandReply {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    try {
      const request: CommandRequest = { ...call, reply: port2, signal };
      this.thread().postMessage(request, [port2]);
      const waited = Atomics.wait(new Int32Array(signal), 0, 0, timeoutMs);
      const reply = receiveMessageOnPort(port1)?.message as CommandReply | undefined;
      if (!reply)
        throw new Error(`the command thread gave no reply (${waited}) to ${call.command} ${call.argv.join(" ")}`);
      return reply;
    } finally {
      port1.close();
    }
  }
}
