/** Typed errors with stable codes. `instanceof` works on every subclass. */

export type ErrorCode =
  | "INVALID_DOCUMENT"
  | "INVALID_QUERY"
  | "INVALID_FILTER"
  | "INVALID_OPTION"
  | "INVALID_INPUT"
  | "NOT_AN_INDEX"
  | "CORRUPT_INDEX"
  | "UNSUPPORTED_VERSION"
  | "INDEX_LOCKED"
  | "INDEX_CLOSED"
  | "MISSING_PLUGIN"
  | "ENCODER_FAILED";

export abstract class TandemError extends Error {
  abstract readonly code: ErrorCode;
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
