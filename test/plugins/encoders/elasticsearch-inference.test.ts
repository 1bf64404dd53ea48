import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ElasticsearchDenseEncoder, ElasticsearchSparseEncoder } from "../../../plugins/encoders/index.js";
import { EncoderError } from "../../../src/index.js";
import { asyncListener } from "../../helpers/async-listener.js";

// The wire format of Elasticsearch's inference API (POST /_inference/<task>/<id> with
// {"input": [...]}, answered with {"<task>": [{"embedding": ...}, ...]}), served by a local
// server that records requests. The integ-test distribution has no inference module to run.
const requests: { path: string; body: { input: string[]; input_type?: string } }[] = [];
let client: Client;
let close: () => void;

beforeAll(async () => {
  const server = createServer(asyncListener(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    requests.push({ path: req.url!, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "x-elastic-product": "Elasticsearch" });
      res.end(JSON.stringify(json));
    };
    if (req.url === "/_inference/sparse_embedding/my-elser") {
      send(200, { sparse_embedding: body.input.map((t: string) => ({ is_truncated: false, embedding: Object.fromEntries(t.split(" ").map((w, i) => [w, i + 0.5])) })) });
    } else if (req.url === "/_inference/text_embedding/my-e5") {
      send(200, { text_embedding: body.input.map((t: string) => ({ embedding: [t.length, 1, 0] })) });
    } else if (req.url === "/_inference/text_embedding/short") {
      send(200, { text_embedding: [{ embedding: [1, 2, 3] }] });
    } else {
      send(404, { error: { type: "resource_not_found_exception", reason: `Inference endpoint not found [${req.url}]` }, status: 404 });
    }
  }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  client = new Client({ node: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, maxRetries: 0 });
  close = () => server.close();
});
afterAll(async () => {
  await client.close();
  close();
});

describe("Elasticsearch inference encoders", () => {
  it("sparse: batches, sends input_type when asked, maps tokens to weights in order", async () => {
    requests.length = 0;
    const encoder = new ElasticsearchSparseEncoder(client, { inferenceId: "my-elser", batchSize: 2, inputType: true });
    const vectors = await encoder.encodeDocuments(["a b", "c", "d e f"]);
    expect(vectors).toEqual([{ a: 0.5, b: 1.5 }, { c: 0.5 }, { d: 0.5, e: 1.5, f: 2.5 }]);
    expect(requests.map((r) => r.body)).toEqual([
      { input: ["a b", "c"], input_type: "ingest" },
      { input: ["d e f"], input_type: "ingest" },
    ]);
    await encoder.encodeQueries(["q"]);
    expect(requests.at(-1)!.body).toEqual({ input: ["q"], input_type: "search" });
  });

  it("dense: float32 rows of the declared dimension; no input_type unless asked", async () => {
    requests.length = 0;
    const encoder = new ElasticsearchDenseEncoder(client, { inferenceId: "my-e5", dimension: 3 });
    const [v] = await encoder.encodeQueries(["four"]);
    expect(Array.from(v!)).toEqual([4, 1, 0]);
    expect(requests[0]!.body).toEqual({ input: ["four"] });
    expect(encoder.dimension).toBe(3);
  });

  it("errors name the endpoint and what was wrong", async () => {
    const missing = new ElasticsearchSparseEncoder(client, { inferenceId: "nope" });
    await expect(missing.encodeQueries(["x"])).rejects.toThrow(EncoderError);
    await expect(missing.encodeQueries(["x"])).rejects.toThrow(/POST \/_inference\/sparse_embedding\/nope: HTTP 404: Inference endpoint not found/);
    const wrongSize = new ElasticsearchDenseEncoder(client, { inferenceId: "my-e5", dimension: 4 });
    await expect(wrongSize.encodeQueries(["x"])).rejects.toThrow(/embedding has 3 values, expected 4/);
    const short = new ElasticsearchDenseEncoder(client, { inferenceId: "short", dimension: 3 });
    await expect(short.encodeQueries(["x", "y"])).rejects.toThrow(/expected "text_embedding" with 2 results/);
  });
});
