/**
 * The valid-input corpus: every file in tests/fixtures/good-configs is a stack
 * config the platform must accept, rendered in this process as the render CLI
 * does it, with the policies the CLI applies. Each one was refused by an
 * earlier check or policy that was stricter than the targets are.
 *
 *   # stack: prod                       (optional; dev otherwise)
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { settingsFromConfig } from "../../policy/settings";
import { projectRoot } from "../../platform/project-root";
import { evaluatePolicies, mandatory, RENDER_SECRET_MASK } from "../../tools/policy/evaluate";
import { renderInProcess } from "../../tools/render/run";
import { readStackConfig } from "../../tools/render/stack-config";

const CORPUS = path.join(projectRoot(), "tests", "fixtures", "good-configs");
/** The compiled project (dist/), whose index.js the render loads. */
const PROGRAM_DIR = path.join(__dirname, "..", "..");

const cases = fs
  .readdirSync(CORPUS)
  .filter((file) => file.endsWith(".yaml"))
  .sort()
  .map((file) => {
    const text = fs.readFileSync(path.join(CORPUS, file), "utf8");
    return { file, stack: /^# stack: (\S+)/m.exec(text)?.[1] ?? "dev" };
  });

describe("the valid-input corpus", function () {
  this.timeout(120000);

  it("holds cases", () => assert.ok(cases.length > 0, `no cases in ${CORPUS}`));

  for (const { file, stack } of cases) {
    it(`accepts ${file}: it renders and no mandatory policy refuses it`, async () => {
      const source = readStackConfig(projectRoot(), stack, path.join(CORPUS, file));
      const render = await renderInProcess(PROGRAM_DIR, stack, source, {});
      const blocking = mandatory(
        evaluatePolicies({
          resources: render.resources,
          settings: settingsFromConfig(source.config),
          secretPatterns: [RENDER_SECRET_MASK],
        }),
      );
      assert.deepStrictEqual(blocking, [], `${file} is refused by a mandatory policy`);
    });
  }
});
