import { EncoderError } from "../../../src/index.js";

/** Request options shared by the HTTP encoders. */
export interface HttpOptions {
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
  /** Attempts for a request answered 429 or 5xx, or failing on the network. Default 4. */
  attempts?: number;
  /** First backoff delay in ms, doubled each retry. Default 250. */
  backoffMs?: number;
  /** Per-request timeout in ms. Default 60000. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * POSTs JSON and returns the parsed answer. Retries what a server says is temporary (429, 5xx,
 * network errors) with exponential backoff; anything else fails at once with the status and the
 * start of the body.
 */
export async function postJson(url: string, body: unknown, options: HttpOptions = {}): Promise<unknown> {
  const attempts = options.attempts ?? 4;
  let delay = options.backoffMs ?? 250;
  let last = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...options.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      last = `request failed: ${(err as Error).message}`;
      if (attempt < attempts) await sleep(delay);
      delay *= 2;
      continue;
    }
    const text = await response.text();
    if (response.ok) {
      try {
        return JSON.parse(text);
      } catch {
        throw new EncoderError(`${url}: answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
      }
    }
    last = `answered ${response.status}: ${text.slice(0, 200)}`;
    const temporary = response.status === 429 || response.status >= 500;
    if (!temporary) break;
    if (attempt < attempts) await sleep(delay);
    delay *= 2;
  }
  throw new EncoderError(`${url}: ${last}`);
}
