import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { VaultError } from '../errors';
import { MAX_SUBMITTED_VALUES, tooManyValues } from '../pages/form-values';
import { invalidJson } from './errors';
import { nestsDeeperThan } from './json-nesting';
import { repeatsAKey } from './repeated-json-key';

/**
 * The largest body of the two routes that carry a whole form: a visitor's submit at the contract's
 * limits, as the page posts it (50 fields of 1,000 code points, each up to 12 characters
 * form-encoded, %F0%9F%98%80), needs about 600 KB; 64 KiB refused a form of eight Japanese answers
 * and lost them. The create, behind the API key, takes the same. Fastify's own default.
 */
export const LARGE_BODY_LIMIT = 1024 * 1024;

/** The deepest brackets a JSON body may nest: the vault's own nest six at most (a form field's option). */
export const MAX_JSON_DEPTH = 32;

/**
 * The body parsers: JSON for the API and the visitor's page alike, and the page's form posts. Both
 * read UTF-8 only, and refuse what is not: decoded anyway, a byte that is not UTF-8 became U+FFFD
 * and a %-escape that is not one stayed as typed, so the vault stored a value the visitor never
 * typed and answered "submitted".
 *
 * JSON keeps Fastify's own rules (secure-json-parse refuses a "__proto__" key and a "constructor"
 * holding "prototype", which could poison an object later merged from the body), but such a body
 * is told so: Fastify's parser called it "not valid JSON", though it is.
 */
export function parseBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(utf8Text(request, body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      done(null, parseFormBody(utf8Text(request, body as Buffer)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** The body as text: UTF-8, as its Content-Type says (or leaves unsaid) and its bytes are. */
function utf8Text(request: FastifyRequest, body: Buffer): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
  // US-ASCII is UTF-8's first half: a body in it reads the same.
  if (charset !== undefined && !/^(utf-?8|us-ascii)$/i.test(charset))
    throw new VaultError('bad_request', 'The body must be UTF-8: send it as UTF-8, with charset=utf-8 or none.');
  if (!isUtf8(body)) throw new VaultError('bad_request', 'The body is not valid UTF-8.');
  return body.toString('utf8');
}

/**
 * A form post's entries, name → value (an array for a name sent more than once), as browsers
 * encode them: "+" a space, every %-escape a UTF-8 byte. More entries than any form has are
 * refused before they are decoded.
 */
function parseFormBody(text: string): Record<string, string | string[]> {
  const entries: Record<string, string | string[]> = Object.create(null);
  // The pages send one entry per value and one "action": counted before the body is cut up.
  let separators = 0;
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1))
    if ((separators += 1) > MAX_SUBMITTED_VALUES) throw tooManyValues();
  const pairs = text === '' ? [] : text.split('&').filter((pair) => pair !== '');
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = formDecode(at < 0 ? pair : pair.slice(0, at));
    const value = at < 0 ? '' : formDecode(pair.slice(at + 1));
    const earlier = entries[name];
    if (earlier === undefined) entries[name] = value;
    else if (Array.isArray(earlier)) earlier.push(value);
    else entries[name] = [earlier, value];
  }
  return entries;
}

function formDecode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new VaultError('bad_request', 'The form body holds a %-escape that is not UTF-8.');
  }
}

/** Whether a request carries a body: a length above zero, or one sent in chunks. */
export function hasBody(request: FastifyRequest): boolean {
  return Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
}

function parseJsonBody(body: string): unknown {
  if (body.length === 0) throw new VaultError('invalid_json', 'The body is empty: send JSON.');
  if (nestsDeeperThan(body, MAX_JSON_DEPTH))
    throw new VaultError(
      'bad_request',
      `The body nests brackets more than ${MAX_JSON_DEPTH} deep: no vault body does.`,
    );
  let parsed: unknown;
  try {
    parsed = secureJson.parse(body);
  } catch {
    // Only on a failure: parsing it again says which rule it broke.
    throw isJson(body)
      ? new VaultError(
          'bad_request',
          'The body holds a "__proto__" key, or a "constructor" key holding "prototype": the vault refuses both.',
        )
      : invalidJson();
  }
  if (repeatsAKey(body))
    throw new VaultError('bad_request', 'The body holds one key twice in one object: send each once.');
  return parsed;
}

function isJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
