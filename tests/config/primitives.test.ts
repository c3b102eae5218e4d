import * as assert from "assert";
import { cronProblem } from "../../config/cron";
import { floatingReason, parseImageReference, unpinnedReason } from "../../config/images";
import { cpuCores, memoryMebibytes, parseCpuMillis, parseMemoryBytes } from "../../config/quantities";

describe("resource quantities", () => {
  it("parses CPU in cores and millicores", () => {
    assert.strictEqual(parseCpuMillis("250m"), 250);
    assert.strictEqual(parseCpuMillis("1.5"), 1500);
    assert.strictEqual(parseCpuMillis("2"), 2000);
    assert.strictEqual(parseCpuMillis("two"), undefined);
    assert.strictEqual(parseCpuMillis("-1"), undefined);
  });

  it("parses binary and decimal memory units", () => {
    assert.strictEqual(parseMemoryBytes("512Mi"), 512 * 1024 * 1024);
    assert.strictEqual(parseMemoryBytes("1G"), 1e9);
    assert.strictEqual(parseMemoryBytes("1GB"), undefined);
  });

  it("reads fractional memory quantities as Kubernetes does", () => {
    assert.strictEqual(parseMemoryBytes("1.5Gi"), 1.5 * 1024 ** 3);
    assert.strictEqual(parseMemoryBytes("0.5"), 1);
    assert.strictEqual(memoryMebibytes("1.5Gi"), 1536);
    assert.strictEqual(parseMemoryBytes("1.Gi"), undefined);
  });

  it("converts to the units Docker takes", () => {
    assert.strictEqual(memoryMebibytes("1Gi"), 1024);
    assert.strictEqual(memoryMebibytes("1G"), 954);
    assert.strictEqual(cpuCores("500m"), "0.5");
    assert.throws(() => cpuCores("lots"), /CPU quantity/);
  });
});

describe("image references", () => {
  it("accepts exact tags and digests", () => {
    assert.strictEqual(unpinnedReason("prefecthq/prefect:3.6.10-python3.12"), undefined);
    assert.strictEqual(unpinnedReason(`localhost:32000/serving@sha256:${"a".repeat(64)}`), undefined);
    assert.deepStrictEqual(parseImageReference("localhost:32000/team/model:1.2"), {
      repository: "localhost:32000/team/model",
      tag: "1.2",
      digest: undefined,
    });
  });

  it("refuses latest, missing tags and malformed references", () => {
    assert.match(unpinnedReason("postgres:latest") ?? "", /latest/);
    assert.match(unpinnedReason("postgres") ?? "", /no tag/);
    assert.match(unpinnedReason("Postgres:16") ?? "", /not a valid image reference/);
  });

  it("refuses tags that name no version, in any case", () => {
    assert.match(unpinnedReason("python:LATEST") ?? "", /moving tag "LATEST"/);
    assert.match(unpinnedReason("nginx:stable-alpine") ?? "", /"stable-alpine", which names no version/);
    assert.match(unpinnedReason("debian:bookworm") ?? "", /names no version/);
    assert.strictEqual(unpinnedReason("python:v3.12.11"), undefined);
  });

  it("reads an all-digit tag as a tag, and a registry port only before a '/'", () => {
    assert.deepStrictEqual(parseImageReference("postgres:16"), {
      repository: "postgres",
      tag: "16",
      digest: undefined,
    });
    assert.deepStrictEqual(parseImageReference("app:20240101"), {
      repository: "app",
      tag: "20240101",
      digest: undefined,
    });
    assert.deepStrictEqual(parseImageReference("localhost:5000/app"), {
      repository: "localhost:5000/app",
      tag: undefined,
      digest: undefined,
    });
    assert.match(unpinnedReason("localhost:5000/app") ?? "", /no tag/);
    assert.strictEqual(parseImageReference("localhost:5000:1.2.3"), undefined);
  });

  it("tells a release from a release line, for production stacks", () => {
    for (const release of [
      "prefecthq/prefect:3.6.10-python3.12",
      "python:3.12.11-slim-bookworm",
      "nginx:1.27.5-alpine",
      "postgres:16.9-bookworm",
      "app:20240101",
      `python@sha256:${"a".repeat(64)}`,
    ])
      assert.strictEqual(floatingReason(release), undefined, release);
    assert.match(floatingReason("python:3.12-slim") ?? "", /"3.12-slim", a release line/);
    assert.match(floatingReason("postgres:16") ?? "", /"16", a release line.*postgres:16\.9-bookworm/);
    assert.match(floatingReason("nginx:1.27-alpine") ?? "", /release line/);
  });
});

describe("cron schedules", () => {
  for (const good of ["0 3 * * *", "*/15 * * * 1-5", "0 0 1 jan,jul *", "@daily", "5 4 * * sun"]) {
    it(`accepts "${good}"`, () => assert.strictEqual(cronProblem(good), undefined));
  }
  const bad: Array<[string, RegExp]> = [
    ["* * * *", /4 field/],
    ["60 * * * *", /minute "60"/],
    ["0 24 * * *", /hour "24"/],
    ["0 0 0 * *", /day of month "0"/],
    ["*/0 * * * *", /step "0"/],
    ["0 5-2 * * *", /runs backwards/],
    ["@sometimes", /1 field/],
  ];
  for (const [expression, message] of bad) {
    it(`refuses "${expression}"`, () => assert.match(cronProblem(expression) ?? "", message));
  }
});
