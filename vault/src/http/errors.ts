import type { FastifyError } from 'fastify';
import type { ErrorBody } from '../contract';
import { IntegrityError, isRemovedMeanwhile, isStorageUnavailable, VaultError } from '../errors';
import {
  ID_PATTERNS,
  LIMITS,
  NOT_BLANK_PATTERN,
  PLAIN_LINE_PATTERN,
  TEXT_PATTERN,
  VISIBLE_PATTERN,
} from '../contract/limits';
import { RateLimitUnavailableError } from './rate-limit-store';

/** The text rules' patterns in words: a caller learns what to fix, not a regular expression. */
const PATTERN_MEANINGS = new Map<string, string>([
  [TEXT_PATTERN, 'must not hold control characters other than tab and newline, or unpaired surrogates'],
  [ID_PATTERNS.opaque, 'must be printable text: no control characters or unpaired surrogates'],
  [ID_PATTERNS.visitorToken, 'must be printable text: no control characters or unpaired surrogates'],
  [ID_PATTERNS.locale, 'must be a language tag such as en or pt-BR'],
  [ID_PATTERNS.callbackUrl, 'must be an http or https URL without spaces or control characters'],
  [ID_PATTERNS.form, `must be 1 to ${LIMITS.formId} letters, digits, ".", "_" or "-", starting with a letter or digit`],
  [ID_PATTERNS.field, `must be 1 to ${LIMITS.fieldId} letters, digits, "_" or "-", starting with a letter`],
  [ID_PATTERNS.relay, 'must be 1 to 40 lowercase letters, digits, "_" or "-", starting with a letter'],
  [ID_PATTERNS.relayParamName, 'must be 1 to 32 letters, digits or "_", starting with a letter'],
  [
    ID_PATTERNS.relayParamValue,
    `must be at most ${LIMITS.relayParamValue} letters, digits, spaces, ".", "_", ":" or "-"`,
  ],
  [NOT_BLANK_PATTERN, 'must not be blank'],
  [
    PLAIN_LINE_PATTERN,
    'must be one line of plain text: no control characters and none that change the reading direction',
  ],
  [VISIBLE_PATTERN, 'must show something: not only spaces or invisible characters'],
]);

/**
 * Maps anything thrown in a route to a VaultError with a message fit for the caller. Parser and
 * framework messages are replaced, because some quote the input (JSON.parse does).
 */
export function toVaultError(
  error: unknown,
  contentType?: string,
  formPostToo = false,
  schema?: RouteSchema,
): VaultError {
  if (error instanceof VaultError) return error;
  if (error instanceof RateLimitUnavailableError)
    return new VaultError('unavailable', 'The vault cannot check its rate limits right now; try again shortly.');
  if (error instanceof IntegrityError)
    return new VaultError('internal', 'The stored data failed its integrity check; this was audited and logged.');
  if (isStorageUnavailable(error))
    return new VaultError('unavailable', 'The vault cannot reach its storage right now; try again shortly.');
  if (isRemovedMeanwhile(error))
    return new VaultError('conflict', 'What this request refers to was removed while it ran; nothing was written.');
  const fastifyError = error as Partial<FastifyError> & {
    validation?: {
      instancePath?: string;
      message?: string;
      schemaPath?: string;
      params?: { additionalProperty?: string; pattern?: string };
    }[];
    validationContext?: string;
  };
  if (fastifyError.validation) {
    const first = fastifyError.validation[0];
    const where = `${fastifyError.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
    const choice = oneOfChoice(fastifyError.validation, schema, fastifyError.validationContext);
    if (choice) return new VaultError('bad_request', `${where} must have exactly one of ${choice}.`);
    const extra = first?.params?.additionalProperty ? ` (${unknownName(String(first.params.additionalProperty))})` : '';
    const meaning = PATTERN_MEANINGS.get(String(first?.params?.pattern));
    return new VaultError('bad_request', `${where} ${meaning ?? first?.message ?? 'is invalid'}${extra}.`);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidJson();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new VaultError('payload_too_large', 'The body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new VaultError('bad_request', jsonBodyRequired(contentType, formPostToo));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new VaultError('bad_request', 'The Content-Length does not match the body.');
    default:
      break;
  }
  if (error instanceof SyntaxError) return invalidJson();
  if (fastifyError.statusCode === 400) return new VaultError('bad_request', 'The request is malformed.');
  if (fastifyError.statusCode === 413) return new VaultError('payload_too_large', 'The body is too large.');
  if (fastifyError.statusCode === 429)
    return new VaultError('rate_limited', 'Too many requests; slow down and try again shortly.');
  return new VaultError('internal', 'The vault hit an unexpected error; it has been logged.');
}

/** A route's schema as Fastify keeps it: per part of the request (body, params, …). */
export type RouteSchema = { [part: string]: unknown };

/**
 * The properties of a top-level `oneOf` of `required` branches ("visitorToken or roomId") when
 * that is what failed: Ajv's own words ("must match exactly one schema in oneOf", or the first
 * branch's missing property) do not say what to send.
 */
function oneOfChoice(
  validation: ReadonlyArray<{ schemaPath?: string }>,
  schema: RouteSchema | undefined,
  context: string | undefined,
): string | undefined {
  if (!validation.some((entry) => /^#\/oneOf(\/|$)/.test(entry.schemaPath ?? ''))) return undefined;
  const part = schema?.[context ?? 'body'] as { oneOf?: Array<{ required?: unknown }> } | undefined;
  const names = (part?.oneOf ?? []).map((branch) =>
    Array.isArray(branch.required) && branch.required.length === 1 ? String(branch.required[0]) : undefined,
  );
  return names.length > 1 && names.every(Boolean) ? names.join(' or ') : undefined;
}

/** An unknown property, named back only when it looks like a name: a caller may put anything in a key. */
function unknownName(name: string): string {
  return /^[A-Za-z_][\w.-]{0,63}$/.test(name) ? `"${name}"` : 'a property with an unexpected name';
}

/** What a client that sent no JSON body is told, naming what it did send. */
export function jsonBodyRequired(contentType: string | undefined, formPostToo = false): string {
  const sent = contentTypeSent(contentType);
  if (formPostToo)
    return `Send the values as a form post (application/x-www-form-urlencoded) or as JSON (this request had ${sent}).`;
  return `Send the body as JSON with Content-Type: application/json (this request had ${sent}).`;
}

/** The Content-Type a request had, in a few safe words for an error body. */
export function contentTypeSent(contentType: string | undefined): string {
  // Only a media type's own characters, and not many: this lands in an error body.
  const type = (contentType ?? '')
    .split(';')[0]
    .trim()
    .replace(/[^\w.+/-]/g, '')
    .slice(0, 60);
  const given = (contentType ?? '').trim() !== '';
  const several = (contentType ?? '').split(';')[0].includes(',');
  return several
    ? 'a Content-Type that names several media types'
    : type && type !== 'undefined'
      ? `Content-Type ${type}`
      : given
        ? 'a Content-Type that names no media type'
        : 'no Content-Type';
}

/** A body that does not parse as JSON: never quoted back, since parsers' messages quote the input. */
export function invalidJson(): VaultError {
  return new VaultError('invalid_json', 'The body is not valid JSON.');
}

/** What a client that sent a compressed body is told, naming the encoding it used. */
export function compressedBodyRefused(contentEncoding: string): string {
  // Only a coding's own characters, and not many: this lands in an error body.
  const sent =
    contentEncoding
      .replace(/[^\w, -]/g, '')
      .trim()
      .slice(0, 40) || 'an unknown encoding';
  return `Send the body uncompressed, without Content-Encoding (this request had ${sent}).`;
}

export function errorBody(error: VaultError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.fields) body.error.fields = error.fields;
  return body;
}
