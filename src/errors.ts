/** Typed errors with stable codes. `instanceof` works on every subclass. */

/** The stable `code` of every {@link TandemError} subclass, one per class. */
export type ErrorCode =
  | "INVALID_DOCUMENT"
  | "INVALID_QUERY"
  | "INVALID_FILTER"
  | "INVALID_OPTION"
  | "INVALID_INPUT"
  | "INVALID_MODEL"
  | "NOT_AN_INDEX"
  | "CORRUPT_INDEX"
  | "UNSUPPORTED_VERSION"
  | "INDEX_LOCKED"
  | "INDEX_CLOSED"
  | "STORAGE_FAILED"
  | "MISSING_PLUGIN"
  | "ENCODER_FAILED"
  | "BACKEND_FAILED"
  | "INGEST_INCOMPLETE";

/**
 * Base class of every error Tandem throws on purpose. Test with `instanceof` on a subclass or
 * compare `code`; the message names what was wrong and where (argument, field, value, file).
 */
export abstract class TandemError extends Error {
  /** Stable machine-readable code of the subclass, e.g. `INVALID_QUERY`. */
  abstract readonly code: ErrorCode;
  /** `options.cause` is the underlying error, when there is one. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A document failed validation; the message names where (file:line or docs[i]) and what. */
export class InvalidDocumentError extends TandemError {
  readonly code = "INVALID_DOCUMENT";
}

/** A query failed validation. */
export class InvalidQueryError extends TandemError {
  readonly code = "INVALID_QUERY";
}

/** A filter is not in the filter language. */
export class InvalidFilterError extends TandemError {
  readonly code = "INVALID_FILTER";
}

/** An option is out of range or unknown. */
export class InvalidOptionError extends TandemError {
  readonly code = "INVALID_OPTION";
}

/** An input file cannot be read as what it should be (JSONL, qrels, BEIR folder). */
export class InvalidInputError extends TandemError {
  readonly code = "INVALID_INPUT";
}

/**
 * A calibration model or a tuned search configuration (`tandem calibrate`, `tandem tune`) that
 * cannot be used: the message names the file (or attachment) and the field, e.g.
 * `model.json: field "weights[3]": expected a finite number, got "x"`.
 */
export class InvalidModelError extends TandemError {
  readonly code = "INVALID_MODEL";
}

/** A directory that holds something other than a Tandem index. */
export class NotAnIndexError extends TandemError {
  readonly code = "NOT_AN_INDEX";
}

/** A Tandem index whose files do not match their checksums or cannot be decoded. */
export class CorruptIndexError extends TandemError {
  readonly code = "CORRUPT_INDEX";
}

/** An index written in a format version this build does not read. */
export class UnsupportedVersionError extends TandemError {
  readonly code = "UNSUPPORTED_VERSION";
}

/** Another live process holds the index's write lock. */
export class IndexLockedError extends TandemError {
  readonly code = "INDEX_LOCKED";
}

/**
 * A file of the index could not be read or written: disk full, permissions, an I/O error. `file`
 * names it and `errno` gives the system's code (e.g. ENOSPC). What was committed before is intact.
 */
export class StorageError extends TandemError {
  readonly code = "STORAGE_FAILED";
  /**
   * @param file The file that could not be read or written.
   * @param errno The system's error code, e.g. `ENOSPC`.
   */
  constructor(
    /** The file that could not be read or written. */
    readonly file: string,
    /** The system's error code, e.g. `ENOSPC`, `EACCES`, `EIO`. */
    readonly errno: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The index was closed. */
export class IndexClosedError extends TandemError {
  readonly code = "INDEX_CLOSED";
}

/** A leg needs a plugin that was not supplied (e.g. the text leg without a text index). */
export class MissingPluginError extends TandemError {
  readonly code = "MISSING_PLUGIN";
}

/** An encoder could not produce vectors (a model server refused or answered something unusable). */
export class EncoderError extends TandemError {
  readonly code = "ENCODER_FAILED";
}

/**
 * A search backend (e.g. an Elasticsearch cluster) failed or cannot serve this index: unreachable,
 * an incompatible version, a missing or mistyped field. The message says which and where.
 */
export class BackendError extends TandemError {
  readonly code = "BACKEND_FAILED";
}

/** A document a backend could not store, and why. */
export interface IngestFailure {
  /** The document's id. */
  id: string;
  /** HTTP-like status of the last attempt (0 when the request itself failed). */
  status: number;
  /** The backend's reason, e.g. Elasticsearch's error type and reason. */
  reason: string;
}

/**
 * Some documents of a write could not be stored after retries. Everything else was stored;
 * `failures` names each document left out and why.
 */
export class IngestError extends TandemError {
  readonly code = "INGEST_INCOMPLETE";
  /**
   * @param failures Each document left out and why.
   * @param stored Number of documents of the write that were stored.
   */
  constructor(
    /** Each document left out and why. */
    readonly failures: IngestFailure[],
    /** Number of documents of the write that were stored. */
    readonly stored: number,
  ) {
    const shown = failures.slice(0, 5).map((f) => `"${f.id}" (${f.status}: ${f.reason})`);
    const more = failures.length > shown.length ? ` and ${failures.length - shown.length} more` : "";
    super(`${failures.length} document(s) not stored (${stored} stored): ${shown.join(", ")}${more}`);
  }
}
