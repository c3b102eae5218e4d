// node tools/parallel.mjs "<command>" "<command>" ...
//
// Runs shell commands at the same time and exits non-zero if any of them
// failed. Each command's output is printed whole when it finishes, so the
// outputs do not interleave. npm test uses it to lint while tsc (which keeps
// one core busy) type-checks and compiles.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import process from "node:process";

const commands = process.argv.slice(2);
if (commands.length === 0) {
  process.stderr.write('usage: node tools/parallel.mjs "<command>" ["<command>" ...]\n');
  process.exit(2);
}

const results = await Promise.all(
  commands.map(
    (command) =>
      new Promise((resolve) => {
        const child = spawn(command, { shell: true, stdio: ["ignore", "pipe", "pipe"] });
        const output = [];
        child.stdout.on("data", (chunk) => output.push(chunk));
        child.stderr.on("data", (chunk) => output.push(chunk));
        child.on("error", (error) => resolve({ command, status: 1, output: [Buffer.from(`${error.message}\n`)] }));
        child.on("close", (status, signal) => {
          process.stdout.write(Buffer.concat(output));
          resolve({ command, status: status ?? (signal ? 1 : 0), output });
        });
      }),
  ),
);

const failed = results.filter((result) => result.status !== 0);
for (const { command, status } of failed) process.stderr.write(`failed (${status}): ${command}\n`);
process.exit(failed.length > 0 ? 1 : 0);
