import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { VaultError } from '../errors';
import { clientAddressKey } from './client-address';

/**
 * The visitor routes count twice. Per client IP, whatever the link: a spray of made-up links from
 * one address is bounded. Per link, with a lower limit: one visitor (or whoever holds their link)
 * cannot hammer it. Visitors behind one carrier's CGNAT share an IP but not a link, so they do not
 * throttle each other until the higher limit.
 */
export interface VisitorLimits {
  perLinkPerMinute: number;
  perIpPerMinute: number;
  /** Whether the routes run unlimited while the counters are unreachable (see skipOnError). */
  skipOnError: boolean;
}

/**
 * (link, route) pairs counted at once in memory, one store for the four link routes (Redis keeps
 * them all). Past it the least recent is dropped and starts again from nought: a flood of made-up
 * links must come from this many / (4 × perIpPerMinute) addresses in one minute (21 at the
 * defaults). About 13 MB when full (measured).
 */
const COUNTED_LINKS = 50_000;

/** The route as counted: a HEAD is the GET it stands for, so it gets no budget of its own. */
function routeOf(request: FastifyRequest): string {
  return `${request.method === 'HEAD' ? 'GET' : request.method}${request.routeOptions.url ?? ''}`;
}

/** The link (`:otk`) a request names, if its route has one. */
function otkOf(request: FastifyRequest): string | undefined {
  const { otk } = request.params as { otk?: unknown };
  return typeof otk === 'string' ? otk : undefined;
}

/** A link as counted: hashed, so no counter store ever holds an OTK. */
function linkKey(otk: string): string {
  return createHash('sha256').update('visitor-rate-limit\0').update(otk).digest('base64url');
}

/**
 * The onRequest hook of every visitor route: the per-IP count, then the per-link count when the
 * route names a link. Each route counts its own. Both are @fastify/rate-limit limiters (its
 * createRateLimit), one store each for all routes, so their keys name the route.
 */
export function visitorLimits(app: FastifyInstance, limits: VisitorLimits) {
  const perIp = app.createRateLimit({
    max: limits.perIpPerMinute,
    timeWindow: 60_000,
    skipOnError: limits.skipOnError,
    keyGenerator: (request) => `ip:${routeOf(request)}:${clientAddressKey(request.ip)}`,
  });
  const perLinkOptions = {
    max: limits.perLinkPerMinute,
    timeWindow: 60_000,
    skipOnError: limits.skipOnError,
    // The in-memory store's size: taken at run time, though the plugin's types leave it out here.
    cache: COUNTED_LINKS,
    keyGenerator: (request: FastifyRequest) => `link:${routeOf(request)}:${linkKey(otkOf(request) as string)}`,
  };
  const perLink = app.createRateLimit(perLinkOptions);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    refuseWhenExceeded(await perIp(request), reply);
    if (otkOf(request) !== undefined) refuseWhenExceeded(await perLink(request), reply);
  };
}

/** A 429 that says when to come back and nothing else (not which limit, nor how large). */
function refuseWhenExceeded(
  counted: Awaited<ReturnType<ReturnType<FastifyInstance['createRateLimit']>>>,
  reply: FastifyReply,
): void {
  if (counted.isAllowed || !counted.isExceeded) return;
  reply.header('retry-after', counted.ttlInSeconds);
  throw new VaultError('rate_limited', 'Too many requests; slow down and try again shortly.');
}
