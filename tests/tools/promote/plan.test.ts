import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { defaultImages } from "../../../config/schema";
import { projectRoot } from "../../../platform/project-root";
import { planPromotion, PromotionRefused, StackFileText } from "../../../tools/promote/plan";
import { PROMOTABLE_IMAGES } from "../../../tools/promote/promotable";
import { promoteReference } from "../../../tools/promote/references";

const root = projectRoot();
const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A temporary copy of a committed stack file's text. */
function stackFile(stack: string): StackFileText {
  const file = `Pulumi.${stack}.yaml`;
  return { stack, file, text: fs.readFileSync(path.join(root, file), "utf8") };
}

/** The image reference a stack file sets for a key. */
function imageIn(text: string, key: string): string | undefined {
  const document = parse(text) as { config: Record<string, Record<string, string> | undefined> };
  return document.config["ml-platform:images"]?.[key];
}

/** The text with one image reference replaced, found by its "    key: value" line. */
function withImage(file: StackFileText, key: string, reference: string): StackFileText {
  const current = imageIn(file.text, key);
  assert.ok(current, `${file.file} sets no image ${key}`);
  const line = `    ${key}: ${current}\n`;
  assert.ok(file.text.includes(line), `${file.file} has no line "${line.trim()}"`);
  return { ...file, text: file.text.replace(line, `    ${key}: ${reference}\n`) };
}

/** prod's file as a user would have it after `pulumi config set --secret` and the first `up`. */
function prodWithSecrets(): StackFileText {
  const prod = stackFile("prod");
  const text = prod.text
    .replace(
      "config:\n",
      "encryptionsalt: v1:Zm9vYmFyYmF6:v1:QUJDREVGR0hJSktMTU5PUA==:cXVpY2sgYnJvd24=\nconfig:\n  ml-platform:kubeconfig:\n    secure: v1:AAABAJz+abc/def==:c2VjcmV0IGtpbmQgb2YgY2lwaGVydGV4dA==\n",
    )
    .replace(
      "  ml-platform:images:\n",
      "  ml-platform:images:\n    # Pinned by release; promote updates these lines only.\n",
    );
  return { ...prod, text };
}

/** Indices of the lines that differ; both texts must have the same number of lines. */
function changedLines(before: string, after: string): string[] {
  const [a, b] = [before.split("\n"), after.split("\n")];
  assert.strictEqual(b.length, a.length, "the promotion added or removed lines");
  return b.filter((line, index) => line !== a[index]);
}

describe("tools/promote: planning a promotion", () => {
  it("declares every image of the config schema promotable, so none is silently left behind", () => {
    const schemaImages = Object.keys(defaultImages("docker")).sort();
    assert.deepStrictEqual(PROMOTABLE_IMAGES.map((image) => image.key).sort(), schemaImages);
  });

  it("copies new versions and changes nothing else: comments, key order, secure values and salt stay byte for byte", () => {
    const prod = prodWithSecrets();
    let dev = withImage(stackFile("dev"), "serving", "python:3.12.13-slim-bookworm");
    dev = withImage(dev, "prefectServer", "prefecthq/prefect:3.6.15-python3.12");
    const plan = planPromotion("ml-platform", dev, prod);

    assert.deepStrictEqual(changedLines(prod.text, plan.text).sort(), [
      "    prefectServer: prefecthq/prefect:3.6.15-python3.12",
      "    serving: python:3.12.13-slim-bookworm",
    ]);
    assert.ok(plan.text.includes("\nencryptionsalt: v1:Zm9vYmFyYmF6:v1:QUJDREVGR0hJSktMTU5PUA==:cXVpY2sgYnJvd24=\n"));
    assert.ok(plan.text.includes("    secure: v1:AAABAJz+abc/def==:c2VjcmV0IGtpbmQgb2YgY2lwaGVydGV4dA==\n"));
    assert.ok(plan.text.includes("    # Pinned by release; promote updates these lines only.\n"));
    assert.deepStrictEqual(plan.changes.map((change) => change.configKey).sort(), [
      "ml-platform:images.prefectServer",
      "ml-platform:images.serving",
    ]);
  });

  it("promotes the worker's version but keeps prod's -kubernetes variant of it", () => {
    const prod = stackFile("prod");
    assert.match(
      imageIn(prod.text, "prefectWorker") ?? "",
      /-kubernetes$/,
      "prod's worker is not the -kubernetes variant",
    );
    const dev = withImage(stackFile("dev"), "prefectWorker", "prefecthq/prefect:3.6.15-python3.12");
    const plan = planPromotion("ml-platform", dev, prod);
    const worker = plan.changes.find((change) => change.configKey === "ml-platform:images.prefectWorker");
    assert.ok(worker, JSON.stringify(plan.changes));
    assert.strictEqual(worker.after, "prefecthq/prefect:3.6.15-python3.12-kubernetes");
    assert.deepStrictEqual(worker.notes, ['keeps the target\'s "-kubernetes" variant']);
    assert.strictEqual(imageIn(plan.text, "prefectWorker"), "prefecthq/prefect:3.6.15-python3.12-kubernetes");
  });

  it("carries a digest with the tag, but not onto a different variant", () => {
    const dev = withImage(
      withImage(stackFile("dev"), "postgres", `postgres:16.10-bookworm@${DIGEST}`),
      "prefectWorker",
      `prefecthq/prefect:3.6.15-python3.12@${DIGEST}`,
    );
    const plan = planPromotion("ml-platform", dev, stackFile("prod"));
    assert.strictEqual(imageIn(plan.text, "postgres"), `postgres:16.10-bookworm@${DIGEST}`);
    assert.strictEqual(imageIn(plan.text, "prefectWorker"), "prefecthq/prefect:3.6.15-python3.12-kubernetes");
  });

  it("refuses an image on the moving tag latest, naming the key and the file", () => {
    const dev = withImage(stackFile("dev"), "serving", "python:latest");
    assert.throws(
      () => planPromotion("ml-platform", dev, stackFile("prod")),
      (error: unknown) =>
        error instanceof PromotionRefused &&
        error.problems.length === 1 &&
        error.problems[0].startsWith("ml-platform:images.serving in Pulumi.dev.yaml:") &&
        error.problems[0].includes('"python:latest" uses the moving tag "latest"'),
    );
  });

  it("refuses an image without a tag, and reports every unpinned key at once", () => {
    const dev = withImage(withImage(stackFile("dev"), "serving", "python"), "training", "python:latest");
    assert.throws(
      () => planPromotion("ml-platform", dev, stackFile("prod")),
      (error: unknown) =>
        error instanceof PromotionRefused &&
        error.problems.some(
          (problem) => problem.startsWith("ml-platform:images.serving") && problem.includes("has no tag"),
        ) &&
        error.problems.some(
          (problem) => problem.startsWith("ml-platform:images.training") && problem.includes('"latest"'),
        ),
    );
  });

  it("has nothing left to do the second time: a promotion is idempotent", () => {
    const dev = withImage(stackFile("dev"), "serving", "python:3.12.13-slim-bookworm");
    const once = planPromotion("ml-platform", dev, prodWithSecrets());
    const twice = planPromotion("ml-platform", dev, { ...prodWithSecrets(), text: once.text });
    assert.deepStrictEqual(twice.changes, []);
    assert.strictEqual(twice.text, once.text);
  });

  it("keeps a quoted value quoted, and adds a key prod does not set yet", () => {
    const prod = stackFile("prod");
    const serving = imageIn(prod.text, "serving") as string;
    const quoted = prod.text.replace(`    serving: ${serving}\n`, `    serving: "${serving}"\n`);
    const training = imageIn(prod.text, "training") as string;
    const withoutTraining = quoted.replace(`    training: ${training}\n`, "");
    const dev = withImage(
      withImage(stackFile("dev"), "serving", "python:3.12.13-slim-bookworm"),
      "training",
      "python:3.12.14-slim-bookworm",
    );
    const plan = planPromotion("ml-platform", dev, { ...prod, text: withoutTraining });
    assert.ok(plan.text.includes('    serving: "python:3.12.13-slim-bookworm"\n'), plan.text);
    assert.strictEqual(imageIn(plan.text, "training"), "python:3.12.14-slim-bookworm");
  });
});

describe("tools/promote: mapping one image reference", () => {
  it("copies a reference whose variant the target shares", () => {
    assert.deepStrictEqual(promoteReference("python:3.12.13-slim", "python:3.12.11-slim", []), {
      ok: true,
      reference: "python:3.12.13-slim",
      notes: [],
    });
  });

  it("says when the repository changes", () => {
    const promoted = promoteReference("ghcr.io/acme/serving:1.4.0", "python:3.12.11-slim", []);
    assert.ok(promoted.ok);
    assert.deepStrictEqual(promoted.notes, ["the repository changes from python to ghcr.io/acme/serving"]);
  });

  it("refuses a digest-only reference onto a different variant", () => {
    const promoted = promoteReference(`prefecthq/prefect@${DIGEST}`, "prefecthq/prefect:3.6.10-python3.12-kubernetes", [
      "-kubernetes",
    ]);
    assert.ok(!promoted.ok && promoted.problem.includes("pinned by digest only"), JSON.stringify(promoted));
  });
});
