import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VaultError } from '../errors';

/**
 * The visitor routes count twice. Per link: one visitor (or whoever holds their link) cannot hammer
 * it. Per client IP, with a higher limit: a spray of made-up links from one address is bounded
 * too. Visitors behind one carrier's CGNAT share an IP but not a link, so they do not throttle each
 * other until the higher limit.
 */
export interface VisitorLimits {
  perLinkPerMinute: number;
  perIpPerMinute: number;
  /** Whether the routes run unlimited while the counters are unreachable (see skipOnError). */
  skipOnError: boolean;
}

/** The counter of the link (`:otk`) a request names: a hash, so no counter store ever holds an OTK. */
export function linkCounterKey(request: FastifyRequest): string {
  const { otk } = request.params as { otk: string };
  return `link:${createHash('sha256').update('visitor-rate-limit\0').update(otk).digest('base64url')}`;
}

/**
 * An onRequest hook that counts a route's requests per client IP, beside the route's own per-link
 * limit (@fastify/rate-limit runs one limit per route; its createRateLimit gives the second).
 */
export function perIpLimit(app: FastifyInstance, limits: VisitorLimits) {
  const count = app.createRateLimit({
    max: limits.perIpPerMinute,
    timeWindow: 60_000,
    skipOnError: limits.skipOnError,
    // One limiter serves every route: the key names the route, as each route counts its own.
    keyGenerator: (request) => `ip:${request.method}${request.routeOptions.url ?? ''}:${request.ip}`,
  });
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const counted = await count(request);
    if (counted.isAllowed || !counted.isExceeded) return;
    reply.header('retry-after', counted.ttlInSeconds);
    throw new VaultError('rate_limited', 'Too many requests; slow down and try again shortly.');
  };
}
