// npm run <tool>: node tools/start.mjs <compiled script> [arguments...]
//
// Builds dist/ if a source changed (tools/build.mjs), then runs the compiled
// script in this same process as if Node.js had started it (require.main is
// the script, process.argv its own), so a tool started with nothing to build
// pays for one Node.js start, not one for the check and one for the tool.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ensureBuilt } from "./build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const [script, ...args] = process.argv.slice(2);
const target = script === undefined ? undefined : path.resolve(root, script);
if (target === undefined || !target.startsWith(`${dist}${path.sep}`) || !target.endsWith(".js")) {
  process.stderr.write("usage: node tools/start.mjs dist/<path>.js [arguments...]\n");
  process.exit(2);
}
await ensureBuilt();
if (!fs.existsSync(target)) {
  process.stderr.write(`${path.relative(root, target)} is not among the compiled files\n`);
  process.exit(2);
}
process.argv.splice(1, process.argv.length - 1, target, ...args);
// Node.js's own entry point loader (what `node <script>` calls), used by tools such as ts-node for the same purpose.
createRequire(import.meta.url)("node:module").runMain();
