import * as assert from "assert";
import { cronProblem } from "../../config/cron";
import { parseImageReference, unpinnedReason } from "../../config/images";
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
