import type { Client as ElasticsearchClient } from "@elastic/elasticsearch";
import type { Client as OpenSearchClient } from "@opensearch-project/opensearch";
import { PRODUCT_NAME } from "../elasticsearch/server-capabilities.js";

type Body = Record<string, unknown>;
type Call = (params: Body, options?: Body) => Promise<{ body: unknown }>;

/** What the Elasticsearch backend hands the bulk helper (the part of its options it uses). */
interface BulkOptions {
  datasource: unknown[];
  flushBytes?: number;
  concurrency?: number;
  retries?: number;
  wait?: number;
  onDocument: (doc: unknown) => Body | [Body, Body];
  onSuccess?: (event: { result: Body; document: unknown }) => void;
  onDrop?: (event: { status: number; error: { type: string; reason: string } | null; operation: Body; document: unknown; retried: boolean }) => void;
}

/**
 * An OpenSearch client in the shape of the Elasticsearch client, for the calls the Elasticsearch
 * backend makes: requests take their body under `body` and answers come back wrapped in
 * `{ body }` in the OpenSearch client, not in the Elasticsearch one. Errors pass through as the
 * OpenSearch client raises them (`meta.statusCode`, `meta.body.error`: what the backend reads).
 * The bulk helper is rebuilt on `_bulk`: OpenSearch's reports no successes, and the backend
 * accounts for every operation.
 */
export function elasticsearchFacade(client: OpenSearchClient): ElasticsearchClient {
  const api = client as unknown as Record<string, Call> & { indices: Record<string, Call>; nodes: Record<string, Call> };
  /** Calls `method` with the request parameters named in `params` and everything else as the body. */
  const withBody =
    (method: Call, params: string[]) =>
    async (request: Body = {}, options?: Body): Promise<unknown> => {
      const top: Body = {};
      const body: Body = {};
      for (const [key, value] of Object.entries(request)) (params.includes(key) ? top : body)[key] = value;
      const response = await method.call(client, Object.keys(body).length > 0 ? { ...top, body } : top, options);
      return response.body;
    };
  const plain =
    (method: Call) =>
    async (request: Body = {}, options?: Body): Promise<unknown> =>
      (await method.call(client, request, options)).body;
  const facade = {
    info: plain(api.info!),
    count: plain(api.count!),
    get: plain(api.get!),
    mget: withBody(api.mget!, ["index", "_source_includes"]),
    search: withBody(api.search!, ["index", "allow_no_indices"]),
    index: async ({ document, ...params }: Body, options?: Body) => (await api.index!.call(client, { ...params, body: document }, options)).body,
    msearch: async ({ searches, ...params }: Body, options?: Body) => (await api.msearch!.call(client, { ...params, body: searches }, options)).body,
    scriptsPainlessExecute: withBody(api.scriptsPainlessExecute!, []),
    license: {
      get: async () => {
        throw new Error("OpenSearch has no licence API");
      },
    },
    nodes: { info: plain(api.nodes.info!) },
    indices: {
      exists: plain(api.indices.exists!),
      create: withBody(api.indices.create!, ["index"]),
      delete: plain(api.indices.delete!),
      getMapping: plain(api.indices.getMapping!),
      putMapping: withBody(api.indices.putMapping!, ["index"]),
      getSettings: plain(api.indices.getSettings!),
      putSettings: async ({ settings, ...params }: Body, options?: Body) => (await api.indices.putSettings!.call(client, { ...params, body: settings }, options)).body,
      refresh: plain(api.indices.refresh!),
    },
    helpers: { bulk: (options: BulkOptions) => bulk(api.bulk!.bind(client), options) },
    close: () => client.close(),
    [PRODUCT_NAME]: "OpenSearch",
  };
  return facade as unknown as ElasticsearchClient;
}

/**
 * The Elasticsearch client's bulk helper, as far as the backend uses it: operations sent in
 * requests of at most `flushBytes`, `concurrency` at a time; an operation refused with 429 is
 * sent again up to `retries` times, `wait` ms apart; every other answer goes to `onSuccess` or
 * `onDrop`. A request that fails as a whole rejects (after the others in flight end).
 */
async function bulk(send: Call, options: BulkOptions): Promise<void> {
  const flushBytes = options.flushBytes ?? 5_000_000;
  const chunks: { lines: Body[]; document: unknown }[][] = [[]];
  let bytes = 0;
  for (const document of options.datasource) {
    const action = options.onDocument(document);
    const lines = Array.isArray(action) ? action : [action];
    const size = lines.reduce((n, line) => n + JSON.stringify(line).length + 1, 0);
    if (bytes + size > flushBytes && chunks.at(-1)!.length > 0) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push({ lines, document });
    bytes += size;
  }
  const sendChunk = async (chunk: { lines: Body[]; document: unknown }[]) => {
    let pending = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const response = (await send({ body: pending.flatMap((p) => p.lines) })).body as { items: Record<string, Body & { status: number; error?: { type: string; reason: string } }>[] };
      const again: typeof pending = [];
      response.items.forEach((item, i) => {
        const result = item[Object.keys(item)[0]!]!;
        const op = pending[i]!;
        if (result.status === 429 && attempt < (options.retries ?? 0)) again.push(op);
        else if (result.error || result.status >= 300) options.onDrop?.({ status: result.status, error: result.error ?? null, operation: op.lines[0]!, document: op.document, retried: attempt > 0 });
        else options.onSuccess?.({ result: item, document: op.document });
      });
      pending = again;
      if (pending.length > 0) await new Promise((r) => setTimeout(r, options.wait ?? 5000));
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++]!;
      if (chunk.length > 0) await sendChunk(chunk);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: options.concurrency ?? 5 }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
