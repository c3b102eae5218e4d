// Mocha's settings for npm test. A script rather than JSON for one reason:
// in parallel mode mocha runs a file once for every spec pattern that matches
// it, so the files go in as one list without repeats, in the order the
// workers should take them: the slowest first (each starts several renders),
// so that no long file is left running alone at the end, then every other
// compiled test file, wherever it was added. tests/real is the real-runtime
// suite, run on its own by npm run test:real.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const TESTS = path.join("dist", "tests");
const REAL = path.join(TESTS, "real") + path.sep;
const SLOWEST_FIRST = [
  "tools/diff/cli",
  "render/render",
  "tools/promote/cli",
  "guardrails/storage",
  "policy/offline",
  "stacks/dev",
  "guardrails/secret-hygiene",
  "tools/stack-names",
  "components/docker/compose",
  "config/bad-inputs",
].map((name) => path.join(TESTS, `${name}.test.js`));

function testFiles() {
  if (!fs.existsSync(TESTS)) return [];
  return fs
    .readdirSync(TESTS, { recursive: true })
    .map((entry) => path.join(TESTS, entry))
    .filter((file) => file.endsWith(".test.js") && !file.startsWith(REAL))
    .sort();
}

const all = testFiles();

// Parallel workers pay for themselves only with cores to spare: each worker loads the Pulumi SDK and the test
// modules again, and npm test type-checks and lints beside mocha. On two cores one process finished sooner
// (64 s against 72 s for npm test from a clean state); with more, a worker per core but the one left to tsc.
const cores = os.availableParallelism();

export default {
  spec: [...new Set([...SLOWEST_FIRST.filter((file) => all.includes(file)), ...all])],
  require: ["dist/tests/support/test-run.js", "dist/tests/support/compile-cache.js"],
  timeout: 60000,
  reporter: "spec",
  parallel: cores > 2,
  jobs: Math.max(2, cores - 1),
};
