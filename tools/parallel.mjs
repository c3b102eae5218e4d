// node tools/parallel.mjs "<command>" "<command>" ...
//
// Runs shell commands at the same time and exits non-zero if any of them
// failed. The first command's output is shown as it comes (npm test's mocha
// run, which takes longest); every other command's output is kept and printed
// whole after the first one has finished and it has too, so the outputs never
// interleave. npm test uses it to lint while tsc (which keeps one core busy)
// type-checks and compiles, and while mocha runs.
//
// The first command is the one the run waits for, so it keeps the normal
// priority and every other command runs at a lower one: once the first has
// started, this script lowers its own priority (os.setPriority), which the
// commands it starts after that inherit, with all their children. The cores
// go to the first command when it can use them, and to the others meanwhile.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import os from "node:os";
import process from "node:process";

const commands = process.argv.slice(2);
if (commands.length === 0) {
  process.stderr.write('usage: node tools/parallel.mjs "<command>" ["<command>" ...]\n');
  process.exit(2);
}

/** Lowers this process's priority, and so that of the commands it starts from now on; a system that refuses leaves it. */
function lowerPriority() {
  try {
    os.setPriority(os.constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    // Not allowed here: the commands still all run, only without the preference.
  }
}

function start(command, live) {
  return new Promise((resolve) => {
    const child = spawn(command, {
      shell: true,
      stdio: ["ignore", live ? "inherit" : "pipe", live ? "inherit" : "pipe"],
    });
    const output = [];
    child.stdout?.on("data", (chunk) => output.push(chunk));
    child.stderr?.on("data", (chunk) => output.push(chunk));
    child.on("error", (error) => resolve({ command, status: 1, output: [Buffer.from(`${error.message}\n`)] }));
    child.on("close", (status, signal) => resolve({ command, status: status ?? (signal ? 1 : 0), output }));
  });
}

const first = start(commands[0], true);
lowerPriority();
const others = commands.slice(1).map((command) => start(command, false));
const results = [await first];
for (const other of others) {
  const result = await other;
  process.stdout.write(Buffer.concat(result.output));
  results.push(result);
}

const failed = results.filter((result) => result.status !== 0);
for (const { command, status } of failed) process.stderr.write(`failed (${status}): ${command}\n`);
process.exit(failed.length > 0 ? 1 : 0);
