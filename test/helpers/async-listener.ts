import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";

/**
 * A request listener from an async handler. node:http ignores the promise a listener returns, so a
 * failure inside the handler would be an unhandled rejection with the request left open; here it
 * ends the request with the error, so the client under test sees it.
 */
export function asyncListener(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): RequestListener {
  return (req, res) => {
    handle(req, res).catch((err: unknown) => res.destroy(err instanceof Error ? err : new Error(String(err))));
  };
}
