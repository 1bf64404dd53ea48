/**
 * A one-line account of an Elasticsearch client error: the server's error type and reason when it
 * answered, the connection problem when it did not, and a pointer when client and server majors differ.
 */
export function describeError(err: unknown): string {
  const e = err as { name?: string; message?: string; meta?: { statusCode?: number; body?: unknown } };
  const body = e.meta?.body as { error?: { type?: string; reason?: string; root_cause?: { reason?: string }[] } | string } | undefined;
  const error = body?.error;
  if (typeof error === "object" && error) {
    const reason = error.root_cause?.[0]?.reason ?? error.reason ?? "";
    const text = `HTTP ${e.meta?.statusCode}: ${error.type}: ${reason}`;
    if (error.type === "media_type_header_exception") {
      return `${text} (the @elastic/elasticsearch client's major version must not be newer than the server's)`;
    }
    return text;
  }
  if (typeof error === "string") return `HTTP ${e.meta?.statusCode}: ${error}`;
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}
