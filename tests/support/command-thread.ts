/**
 * The test process's command thread (tools/render/command-thread.ts): tests
 * run renders and tool commands in it, one after another, and read the
 * outcome like that of a finished process. The thread keeps the Pulumi SDK
 * loaded, which a process per command would load again every time.
 */
import { CommandReply, CommandThread } from "../../tools/render/thread-client";

/** Longer than any command takes on a loaded machine; a thread that never answers fails the test instead of hanging it. */
const THREAD_COMMAND_TIMEOUT_MS = 5 * 60 * 1000;

const thread = new CommandThread();

/** `command` exported by the compiled `module` (e.g. renderCommand of a cli.js), run with `argv`; blocks until done. */
export function runCommandInThread(module: string, command: string, argv: string[]): CommandReply {
  return thread.runSync({ module, command, argv }, THREAD_COMMAND_TIMEOUT_MS);
}
