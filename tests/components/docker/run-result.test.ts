import * as assert from "assert";
import { failureMessage, LOG_TAIL_LINES, logTail } from "../../../components/docker/run-result";

describe("docker target: run results", () => {
  it("quotes only the last lines of a long log", () => {
    const log = Array.from({ length: 100 }, (_, index) => `line ${index}`).join("\n");
    const tail = logTail(log).split("\n");
    assert.strictEqual(tail.length, LOG_TAIL_LINES, "the tail has the wrong number of lines");
    assert.strictEqual(tail[tail.length - 1], "line 99", "the tail does not end with the log's last line");
  });

  it("says so when a run wrote nothing", () => {
    assert.match(logTail(""), /no log/);
    assert.match(logTail(undefined), /no log/);
  });

  it("names the run, its exit code and how to run it again", () => {
    const message = failureMessage("training run 1 of 1", 137, "Killed", "urn:pulumi:dev::ml-platform::x::run");
    assert.match(message, /training run 1 of 1 failed with exit code 137/);
    assert.match(message, /Killed/);
    assert.match(message, /pulumi up --replace 'urn:pulumi:dev::ml-platform::x::run'/);
  });
});
