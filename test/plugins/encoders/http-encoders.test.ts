import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenAiEmbeddingsEncoder, TeiDenseEncoder, TeiSparseEncoder } from "../../../plugins/encoders/index.js";
import { EncoderError } from "../../../src/index.js";
import { asyncListener } from "../../helpers/async-listener.js";

/**
 * A local server speaking the OpenAI embeddings and text-embeddings-inference wire formats, with
 * failures on demand (no such server can be installed here, and real ones do not fail on cue).
 * Vectors are a function of the text so answers can be checked.
 */
const DIM = 4;
const vectorOf = (text: string) => [text.length, text.split(" ").length, text.charCodeAt(0) || 0, 1];
const requests: { path: string; body: Record<string, unknown>; auth?: string }[] = [];
let failNext: { status: number; times: number } | undefined;
let server: Server;
let base: string;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  return JSON.parse(raw) as Record<string, unknown>;
}

beforeAll(async () => {
  server = createServer(asyncListener(async (req, res) => {
    const body = await readBody(req);
    requests.push({ path: req.url!, body, auth: req.headers.authorization });
    const reply = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (failNext && failNext.times > 0) {
      failNext.times--;
      return reply(failNext.status, { error: `injected ${failNext.status}` });
    }
    if (req.url === "/v1/embeddings") {
      const input = body.input as string[];
      if (!Array.isArray(input) || typeof body.model !== "string") return reply(400, { error: { message: "input must be an array and model a string" } });
      // Out of order on purpose: clients must place rows by "index".
      const data = input.map((t, index) => ({ object: "embedding", index, embedding: body.model === "short" ? [1] : vectorOf(t) })).reverse();
      return reply(200, { object: "list", data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } });
    }
    if (req.url === "/embed") return reply(200, (body.inputs as string[]).map(vectorOf));
    if (req.url === "/embed_sparse") {
      return reply(200, (body.inputs as string[]).map((t) => t.split(" ").map((w, i) => ({ index: 1000 + w.length * 10 + i, value: i === 0 ? 0 : w.length / 10 }))));
    }
    reply(404, { error: "not found" });
  }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("OpenAI-compatible embeddings encoder", () => {
  it("batches, prefixes, authenticates and places rows by index", async () => {
    requests.length = 0;
    const enc = new OpenAiEmbeddingsEncoder({ baseUrl: `${base}/`, model: "m", dimension: DIM, apiKey: "sk-test", batchSize: 2, queryPrefix: "query: " });
    const texts = ["a b", "ccc", "dd ee ff"];
    const vectors = await enc.encodeQueries(texts);
    expect(vectors.map((v) => Array.from(v))).toEqual(texts.map((t) => vectorOf(`query: ${t}`)));
    expect(requests.map((r) => (r.body.input as string[]).length)).toEqual([2, 1]);
    expect(requests[0]).toMatchObject({ path: "/v1/embeddings", auth: "Bearer sk-test", body: { model: "m", encoding_format: "float" } });
  });

  it("retries 429 and 5xx, then reports what the server said", async () => {
    const enc = new OpenAiEmbeddingsEncoder({ baseUrl: base, model: "m", dimension: DIM, backoffMs: 1 });
    failNext = { status: 429, times: 2 };
    expect(await enc.encodeDocuments(["x"])).toHaveLength(1);
    failNext = { status: 503, times: 10 };
    await expect(enc.encodeDocuments(["x"])).rejects.toThrow(/answered 503: .*injected 503/);
    failNext = { status: 400, times: 1 };
    await expect(enc.encodeDocuments(["x"])).rejects.toThrow(EncoderError);
    failNext = undefined;
    await expect(new OpenAiEmbeddingsEncoder({ baseUrl: base, model: "short", dimension: DIM }).encodeDocuments(["x"])).rejects.toThrow(/embedding has 1 values, expected 4/);
    await expect(new OpenAiEmbeddingsEncoder({ baseUrl: "http://127.0.0.1:1", model: "m", dimension: DIM, attempts: 2, backoffMs: 1 }).encodeDocuments(["x"])).rejects.toThrow(/request failed/);
  });
});

describe("text-embeddings-inference encoders", () => {
  it("dense: /embed with normalize and truncate, in batches", async () => {
    requests.length = 0;
    const enc = new TeiDenseEncoder({ baseUrl: base, dimension: DIM, batchSize: 2 });
    const texts = ["one", "two words", "three more words"];
    expect((await enc.encodeDocuments(texts)).map((v) => Array.from(v))).toEqual(texts.map(vectorOf));
    expect(requests[0]).toMatchObject({ path: "/embed", body: { normalize: true, truncate: true } });
  });

  it("sparse: /embed_sparse entries become token-index keys, zero weights dropped", async () => {
    const enc = new TeiSparseEncoder({ baseUrl: base });
    const [v] = await enc.encodeQueries(["ab cde f"]);
    expect(v).toEqual({ "1031": 0.3, "1012": 0.1 });
  });
});
