/**
 * HTTP requests as the suite makes them: Node's fetch, except that a host
 * name can be pinned to an address. The prod platform is reached through its
 * ingress by host name (kubernetes.ingressHost), which no resolver here
 * knows, and fetch ignores a Host header; pinning the name keeps the request
 * exactly what a user's client sends, Host header and all.
 */
import * as http from "http";
import { LookupFunction } from "net";

export interface HttpAnswer {
  status: number;
  text: string;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
}

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  /** A connection of its own rather than a kept-alive one: balancers that pick a backend per connection then pick anew. */
  newConnection?: boolean;
}

/** Host names the suite resolves itself: name -> IPv4 address. */
export type PinnedHosts = Record<string, string>;

function pinnedLookup(pinned: PinnedHosts): LookupFunction {
  return (hostname, options, callback) => {
    const address = pinned[hostname];
    if (address === undefined) {
      callback(new Error(`${hostname} is not one of the suite's own hosts`), "", 4);
      return;
    }
    // Node asks for every address when `all` is set (its happy-eyeballs connect).
    if ((options as { all?: boolean }).all)
      (callback as unknown as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address, family: 4 },
      ]);
    else callback(null, address, 4);
  };
}

export async function httpRequest(url: string, request: HttpRequest = {}, pinned?: PinnedHosts): Promise<HttpAnswer> {
  const timeoutMs = request.timeoutMs ?? 15_000;
  const target = new URL(url);
  const pinnedHost = pinned !== undefined && pinned[target.hostname] !== undefined;
  if (!pinnedHost && !request.newConnection) {
    const response = await fetch(url, {
      method: request.method ?? "GET",
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, text: await response.text(), headers: Object.fromEntries(response.headers) };
  }
  if (target.protocol !== "http:")
    throw new Error(`${url}: only http is reached with a pinned host or a new connection`);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      target,
      {
        method: request.method ?? "GET",
        headers: request.headers,
        lookup: pinned && pinnedHost ? pinnedLookup(pinned) : undefined,
        agent: request.newConnection ? false : undefined,
        timeout: timeoutMs,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        const headers = Object.fromEntries(
          Object.entries(response.headers).map(([name, value]) => [
            name,
            Array.isArray(value) ? value.join(", ") : String(value),
          ]),
        );
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text, headers }));
        response.on("error", reject);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`${url}: no answer within ${timeoutMs} ms`)));
    outgoing.on("error", reject);
    outgoing.end(request.body);
  });
}
