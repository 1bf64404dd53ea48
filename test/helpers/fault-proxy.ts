import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { asyncListener } from "./async-listener.js";

/** What the proxy does to the n-th `_bulk` request (0-based); undefined forwards it untouched. */
export type BulkFault =
  | { kind: "reject-request"; status: number }
  | { kind: "reset-after-forwarding" }
  | { kind: "reject-items"; every: number; status: number };

export interface FaultProxy {
  url: string;
  /** Faults injected so far, by kind. */
  injected: Record<string, number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An HTTP proxy in front of a real Elasticsearch that injects the faults a healthy server does not
 * produce on demand: a storm of whole-request 429s, a connection reset after the server took a
 * bulk request, and items rejected as overloaded (those items are really withheld from the server,
 * so they are stored only if the client sends them again). Everything else is forwarded.
 */
export async function startFaultProxy(
  target: string,
  faultFor: (bulkNumber: number) => BulkFault | undefined,
  /** Answers a request itself (an endpoint the server lacks), or undefined to go on. */
  answer?: (path: string, body: () => unknown) => { status: number; json: unknown } | undefined,
): Promise<FaultProxy> {
  let bulkNumber = 0;
  const injected: Record<string, number> = {};
  const count = (kind: string, n = 1) => (injected[kind] = (injected[kind] ?? 0) + n);

  const forward = async (req: IncomingMessage, payload: Buffer) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "content-length", "connection"].includes(k))) as Record<string, string>;
    const response = await fetch(target + req.url, { method: req.method, headers, body: ["GET", "HEAD"].includes(req.method!) ? undefined : payload });
    return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
  };

  const server: Server = createServer(asyncListener(async (req, res) => {
    const payload = await body(req);
    const isBulk = /\/_bulk(\?|$)/.test(req.url ?? "");
    const fault = isBulk ? faultFor(bulkNumber++) : undefined;
    const reply = (status: number, text: string, headers: Record<string, string> = {}) => {
      delete headers["content-length"];
      delete headers["transfer-encoding"];
      delete headers["content-encoding"];
      res.writeHead(status, { ...headers, "content-type": "application/json", "x-elastic-product": "Elasticsearch" });
      res.end(text);
    };
    try {
      const own = answer?.(req.url ?? "", () => JSON.parse(payload.toString("utf8")));
      if (own) {
        reply(own.status, JSON.stringify(own.json));
        return;
      }
      if (fault?.kind === "reject-request") {
        count("reject-request");
        reply(fault.status, JSON.stringify({ error: { type: "es_rejected_execution_exception", reason: "injected overload" }, status: fault.status }));
        return;
      }
      if (fault?.kind === "reset-after-forwarding") {
        await forward(req, payload);
        count("reset-after-forwarding");
        req.socket.destroy();
        return;
      }
      if (fault?.kind === "reject-items") {
        const lines = payload.toString("utf8").split("\n").filter((l) => l.length > 0);
        const items: { action: string; source?: string }[] = [];
        for (let i = 0; i < lines.length; ) {
          const action = lines[i++]!;
          const source = "delete" in JSON.parse(action) ? undefined : lines[i++];
          items.push({ action, source });
        }
        const rejected = items.map((_, i) => i % fault.every === 0);
        const kept = items.filter((_, i) => !rejected[i]);
        const forwarded = kept.length ? (JSON.parse((await forward(req, Buffer.from(kept.flatMap((it) => (it.source === undefined ? [it.action] : [it.action, it.source])).join("\n") + "\n"))).text) as { items: unknown[] }) : { items: [] };
        let k = 0;
        const merged = items.map((it, i) => {
          if (!rejected[i]) return forwarded.items[k++];
          const [op, meta] = Object.entries(JSON.parse(it.action) as Record<string, { _id: string; _index: string }>)[0]!;
          return { [op]: { _index: meta._index, _id: meta._id, status: fault.status, error: { type: "es_rejected_execution_exception", reason: "injected item rejection" } } };
        });
        count("reject-items", rejected.filter(Boolean).length);
        reply(200, JSON.stringify({ took: 1, errors: true, items: merged }));
        return;
      }
      const r = await forward(req, payload);
      reply(r.status, r.text, r.headers);
    } catch (err) {
      res.destroy(err as Error);
    }
  }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    injected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
