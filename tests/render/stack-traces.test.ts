/**
 * The offline render runs the program without stack traces (the SDK's
 * per-promise traces are most of a warm render's cost), yet an error from a
 * program that breaks must still say where it broke.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderInProcess } from "../../tools/render/run";

/** Written by the probe programs below: how often they ran and the stack trace limit each run saw. */
interface Probe {
  limits: number[];
}

function probe(): Probe {
  return (globalThis as unknown as { stackTraceProbe: Probe }).stackTraceProbe;
}

/** A project folder whose index.js is `body`, a program that records each run in the probe first. */
function programDir(body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ml-stack-traces-"));
  const pulumi = JSON.stringify(require.resolve("@pulumi/pulumi"));
  fs.writeFileSync(
    path.join(dir, "index.js"),
    `const pulumi = require(${pulumi});
module.exports = async () => {
  globalThis.stackTraceProbe.limits.push(Error.stackTraceLimit);
${body}
};
`,
  );
  return dir;
}

const noConfig = { config: {}, secretKeys: [] };

describe("stack traces in the offline render", function () {
  this.timeout(60000);
  let limitBefore: number;

  beforeEach(() => {
    (globalThis as unknown as { stackTraceProbe: Probe }).stackTraceProbe = { limits: [] };
    limitBefore = Error.stackTraceLimit;
  });

  afterEach(() => assert.strictEqual(Error.stackTraceLimit, limitBefore, "the render left the limit changed"));

  it("runs a program that works once, without stack traces", async () => {
    const dir = programDir(`  new pulumi.ComponentResource("test:index:Probe", "probe", {}, {});\n  return {};`);
    const render = await renderInProcess(dir, "dev", noConfig);
    assert.deepStrictEqual(probe().limits, [0]);
    assert.ok(render.resources.some((resource) => resource.type === "test:index:Probe"));
  });

  it("runs a program that breaks again with stack traces, and its error names where it broke", async () => {
    const dir = programDir(
      `  function readModelSettings(settings) { return settings.model.name; }\n  readModelSettings({});`,
    );
    await assert.rejects(renderInProcess(dir, "dev", noConfig), (error: Error) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.stack ?? "", /at readModelSettings \(.*index\.js:\d+:\d+\)/);
      return true;
    });
    assert.deepStrictEqual(probe().limits, [0, limitBefore]);
  });

  it("reports the program's own verdict (a RunError) from the first run, without running it again", async () => {
    const dir = programDir(`  throw new pulumi.RunError("ml-platform:serving.replicas must be at least 1");`);
    await assert.rejects(renderInProcess(dir, "dev", noConfig), /serving\.replicas must be at least 1/);
    assert.deepStrictEqual(probe().limits, [0]);
  });
});
