/**
 * config/cron.ts decides which retraining schedules a stack may have; Kubernetes'
 * CronJob (prod) and Prefect's cron (retraining deployments on Docker and
 * Swarm) run them. This side of the parity: the config accepts and refuses
 * exactly the shared table (the real-runtime suite checks Prefect's side), and
 * sends every target a text all of them read as written.
 */
import * as assert from "assert";
import { cronProblem, normaliseCron } from "../../config/cron";
import { ACCEPTED, REFUSED } from "../support/cron-table";

describe("retraining schedules: config/cron.ts", () => {
  for (const schedule of ACCEPTED) {
    it(`accepts "${schedule}"`, () => {
      assert.strictEqual(cronProblem(schedule), undefined, `config/cron.ts refuses "${schedule}"`);
    });
  }

  for (const schedule of REFUSED) {
    it(`refuses "${schedule}"`, () => {
      assert.ok(cronProblem(schedule), `config/cron.ts accepts "${schedule}"`);
    });
  }

  it("sends every target the normalised text, which it accepts and which Kubernetes' parser reads as written", () => {
    for (const schedule of ACCEPTED) {
      const sent = normaliseCron(schedule);
      assert.strictEqual(cronProblem(sent), undefined, `config/cron.ts refuses "${sent}" (from "${schedule}")`);
      // robfig/cron takes a macro only at the start of the text, and fields split on spaces.
      assert.match(sent, /^(@[a-z]+|\S+( \S+){4})$/, `"${schedule}" is sent as "${sent}"`);
    }
    assert.strictEqual(normaliseCron(" @daily"), "@daily");
  });
});
