/**
 * A bounded request loop against the serving endpoint, counting every request
 * that did not get a 200 with predictions. Used while serving rolls out.
 */
import { httpRequest, PinnedHosts } from "./http";

export interface LoadResult {
  requests: number;
  failures: number;
  firstFailures: string[];
}

export interface PredictAnswer {
  status: number;
  body: unknown;
}

export async function predict(url: string, body: unknown, pinned?: PinnedHosts): Promise<PredictAnswer> {
  const response = await httpRequest(
    `${url}/predict`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
      timeoutMs: 10_000,
    },
    pinned,
  );
  const { text } = response;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text for the message.
  }
  return { status: response.status, body: parsed };
}

/** Sends requests one after another until `stop` resolves or `maxSeconds` pass (whichever is first). */
export async function requestLoop(
  url: string,
  stop: Promise<unknown>,
  maxSeconds: number,
  pinned?: PinnedHosts,
): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, failures: 0, firstFailures: [] };
  let stopped = false;
  void stop.finally(() => {
    stopped = true;
  });
  const deadline = Date.now() + maxSeconds * 1000;
  while (!stopped && Date.now() < deadline) {
    result.requests += 1;
    try {
      const answer = await predict(url, { instances: [[0.5, -0.25, 1]] }, pinned);
      const predictions = (answer.body as { predictions?: unknown[] }).predictions;
      if (answer.status !== 200 || !Array.isArray(predictions) || predictions.length !== 1)
        throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
    } catch (error) {
      result.failures += 1;
      if (result.firstFailures.length < 5) result.firstFailures.push((error as Error).message);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return result;
}
