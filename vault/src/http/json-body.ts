import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { VaultError } from '../errors';
import { invalidJson } from './errors';

/**
 * The JSON body parser: Fastify's own rules (secure-json-parse refuses a "__proto__" key and a
 * "constructor" holding "prototype", which could poison an object later merged from the body), but
 * such a body is told so: Fastify's parser called it "not valid JSON", though it is.
 */
export function parseJsonBodies(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** Whether a request carries a body: a length above zero, or one sent in chunks. */
export function hasBody(request: FastifyRequest): boolean {
  return Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
}

function parseJsonBody(body: string): unknown {
  if (body.length === 0) throw new VaultError('invalid_json', 'The body is empty: send JSON.');
  try {
    return secureJson.parse(body);
  } catch {
    // Only on a failure: parsing it again says which rule it broke.
    throw isJson(body)
      ? new VaultError(
          'bad_request',
          'The body holds a "__proto__" key, or a "constructor" key holding "prototype": the vault refuses both.',
        )
      : invalidJson();
  }
}

function isJson(body: string): boolean {
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
