import * as assert from "assert";
import { diffRenders } from "../../../tools/diff/compare-renders";
import {
  COMMENT_MARKER,
  formatMarkdown,
  GITHUB_COMMENT_LIMIT,
  MarkdownDiff,
} from "../../../tools/diff/format-markdown";
import { formatText } from "../../../tools/diff/format-text";
import { StackResult } from "../../../tools/diff/model";
import { kubernetesObject, loadRender, renderOf } from "../support/fixtures";

const prodResult: StackResult = {
  ok: true,
  diff: diffRenders("prod", loadRender("prod-base"), loadRender("prod-head")),
};

/** Every secret fingerprint the fixtures hold: none may reach any output. */
const FINGERPRINTS = ["1111111111111111", "2222222222222222", "3333333333333333"];

function lineAfter(text: string, heading: string): string[] {
  const lines = text.split("\n");
  const start = lines.indexOf(heading);
  assert.ok(start >= 0, `no line "${heading}" in:\n${text}`);
  const end = lines.findIndex((line, index) => index > start && /^(\+-|[+~-]) /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe("tools/diff: text and markdown output", () => {
  it("prints each changed property as path: old → new under the resource's name", () => {
    const text = formatText("Offline diff", [prodResult]);
    const deployment = lineAfter(text, "~ Deployment ml-platform/model-serving");
    assert.ok(
      deployment.includes(
        '    spec.template.spec.containers[name=model-serving].image: "python:3.12.11-slim-bookworm" → "python:3.12.12-slim-bookworm"',
      ),
      `Deployment ml-platform/model-serving:\n${deployment.join("\n")}`,
    );
    assert.deepStrictEqual(lineAfter(text, "~ HorizontalPodAutoscaler ml-platform/model-serving"), [
      "    spec.maxReplicas: 10 → 12",
    ]);
    assert.ok(text.includes("\n- Service ml-platform/old-metrics\n"), text);
    assert.ok(text.includes("\n+ PodDisruptionBudget ml-platform/model-serving\n"), text);
  });

  it("shows only the changed lines of a multi-line value", () => {
    const text = formatText("Offline diff", [prodResult]);
    const configMap = lineAfter(text, "+- ConfigMap ml-platform/serving-code (replaced: deleted and created anew)");
    assert.deepStrictEqual(configMap, [
      '    data["serve.py"]: (forces replacement)',
      "      @@ line 6",
      "      -     print('serving')",
      "      +     print('serving models')",
    ]);
  });

  it("masks secrets: a changed secret is marked changed, without either value or fingerprint", () => {
    const text = formatText("Offline diff", [prodResult]);
    const markdown = formatMarkdown([prodResult], { title: "Offline diff" });
    const secret = lineAfter(text, "+- Secret ml-platform/postgres (replaced: deleted and created anew)");
    assert.deepStrictEqual(secret, [
      "    stringData.database-url: [secret] → [secret] (secret value changed; not shown) (forces replacement)",
    ]);
    for (const output of [text, markdown.comment, markdown.full]) {
      for (const fingerprint of FINGERPRINTS)
        assert.ok(!output.includes(fingerprint), `fingerprint ${fingerprint} printed`);
      assert.ok(!/\[secret:/.test(output), "a fingerprinted mask was printed");
    }
  });

  it("masks a secret inside a new resource too", () => {
    const added = renderOf("prod", [
      kubernetesObject("prod", "Secret", "api-token", { stringData: { token: "[secret:abcdefabcdefabcd]" } }),
    ]);
    const text = formatText("Offline diff", [{ ok: true, diff: diffRenders("prod", renderOf("prod", []), added) }]);
    assert.ok(text.includes("    stringData.token: [secret]\n"), text);
    assert.ok(!text.includes("abcdef"), text);
  });

  it("writes a markdown comment with the sticky marker, a summary table and a diff block per stack", () => {
    const markdown = formatMarkdown([prodResult], { title: "Offline diff" });
    assert.strictEqual(markdown.truncated, false);
    assert.strictEqual(markdown.comment, markdown.full);
    assert.ok(markdown.comment.startsWith(`${COMMENT_MARKER}\n`), markdown.comment.slice(0, 200));
    assert.ok(markdown.comment.includes("| `prod` | kubernetes | 1 | 3 | 2 | 1 |"), markdown.comment);
    assert.ok(
      markdown.comment.includes("```diff\n+ PodDisruptionBudget ml-platform/model-serving\n"),
      markdown.comment,
    );
  });

  it("reports a stack that could not be compared, with the reason, in both formats", () => {
    const failed: StackResult = { ok: false, failure: { stack: "prod", message: "rendering the base failed: boom" } };
    assert.ok(formatText("Offline diff", [failed]).includes("rendering the base failed: boom"));
    assert.ok(formatMarkdown([failed], { title: "Offline diff" }).comment.includes("rendering the base failed: boom"));
  });

  describe("with a diff far over GitHub's comment limit", () => {
    // 3,000 new ConfigMaps of ~500 characters each: about 1.7 MB of diff.
    const resources = Array.from({ length: 3000 }, (_, index) =>
      kubernetesObject("prod", "ConfigMap", `config-${String(index).padStart(4, "0")}`, {
        data: { settings: `value-${index}-${"x".repeat(400)}` },
      }),
    );
    let markdown: MarkdownDiff;
    before(() => {
      const huge: StackResult = {
        ok: true,
        diff: diffRenders("prod", renderOf("prod", []), renderOf("prod", resources)),
      };
      const small: StackResult = { ok: true, diff: diffRenders("dev", loadRender("dev-base"), loadRender("dev-head")) };
      markdown = formatMarkdown([small, huge], { title: "Offline diff", fullDiffLocation: "`out/diff/full.md`" });
    });

    it("cuts the comment below 65,536 characters and bytes", () => {
      assert.strictEqual(markdown.truncated, true);
      assert.ok(
        markdown.full.length > 10 * GITHUB_COMMENT_LIMIT,
        `the fixture is only ${markdown.full.length} characters`,
      );
      assert.ok(markdown.comment.length < GITHUB_COMMENT_LIMIT, `${markdown.comment.length} characters`);
      assert.ok(
        Buffer.byteLength(markdown.comment) <= GITHUB_COMMENT_LIMIT,
        `${Buffer.byteLength(markdown.comment)} bytes`,
      );
    });

    it("says it was cut and where the full diff is, and keeps every stack in the summary", () => {
      assert.ok(markdown.comment.includes("it is cut here"), markdown.comment.slice(-500));
      assert.ok(markdown.comment.includes("The full diff is in `out/diff/full.md`."), markdown.comment.slice(-500));
      assert.ok(
        markdown.comment.includes("| `prod` | kubernetes | 3000 | 0 | 0 | 0 |"),
        "the summary row of prod is missing",
      );
      assert.ok(markdown.comment.includes("| `dev` | docker | 1 | 0 | 0 | 0 |"), "the summary row of dev is missing");
    });

    it("keeps the whole first stack and closes every code block it opens", () => {
      assert.ok(markdown.comment.includes("+ container ml-platform-dev-model-serving-2"), "dev's diff was dropped");
      const fences = markdown.comment.split("\n").filter((line) => /^`{3,}/.test(line));
      assert.strictEqual(fences.length % 2, 0, `unbalanced code fences: ${fences.join(" ")}`);
      assert.ok(markdown.comment.includes("+ ConfigMap ml-platform/config-0000"), "none of prod's diff fits");
    });

    it("keeps everything in the full version", () => {
      assert.ok(markdown.full.includes("+ ConfigMap ml-platform/config-2999"), "the full diff lost the last resource");
    });
  });
});
