import type { ErrorCode } from './contract';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_sender: 403,
  invalid_otk: 403,
  not_found: 404,
  method_not_allowed: 405,
  session_closed: 409,
  not_submitted: 409,
  relay_bound: 409,
  relay_in_progress: 409,
  off_record_gone: 409,
  conflict: 409,
  request_timeout: 408,
  payload_too_large: 413,
  invalid_fields: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

/**
 * An error the vault answers with: a stable `code`, the HTTP status that goes with it, and a
 * message a caller can act on. Never put a submitted value, an OTK or a key in the message.
 */
export class VaultError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'VaultError';
    this.status = STATUS[code];
  }
}

/** The one answer for every OTK that is unknown, used, expired, or bound to something else. */
export function invalidOtk(): VaultError {
  return new VaultError('invalid_otk', 'This one-time key is not valid.');
}

/**
 * Stored data failed its integrity check: a token or sealed entry altered, moved, or made with
 * another key. `source` and `reason` are short codes for the audit and the log; never a value.
 */
export class IntegrityError extends Error {
  readonly code = 'integrity_failed';
  constructor(
    readonly source: 'record' | 'off_record',
    readonly reason: string,
  ) {
    super(`Stored ${source === 'record' ? 'record' : 'off-the-record entry'} failed its integrity check (${reason}).`);
    this.name = 'IntegrityError';
  }
}

/** Bad or missing configuration: start-up stops with one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** A row that must be unique (a site id, an origin) already exists. */
export class DuplicateError extends Error {
  constructor(what: string) {
    super(`${what} already exists.`);
    this.name = 'DuplicateError';
  }
}

/** The storage backend was unreachable or failed: the caller answers 503 and loses nothing. */
export class StorageUnavailableError extends Error {
  constructor(message = 'Storage is unavailable.') {
    super(message);
    this.name = 'StorageUnavailableError';
  }
}

/**
 * Storage that cannot answer now: unreachable, or a SQLite file another process held locked past
 * the busy timeout (several workers on one file). Either way a 503 that changed nothing, never an
 * integrity failure.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * A write whose parent row was removed while the request ran (a site removed, a visitor's data
 * erased): the foreign key refused it and the transaction rolled back whole. SQLite's code, then
 * PostgreSQL's foreign_key_violation.
 */
export function isRemovedMeanwhile(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** An operator's command that cannot be done as asked (backup, restore, migrate): the message says why and what to do. */
export class OperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperationError';
  }
}
