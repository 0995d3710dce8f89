import type Redis from 'ioredis';
import { redisPrefixOf } from '../connection-url';
import { VaultError } from '../errors';
import type { FailOpen } from '../config';

/** The shared counters could not be read or written (Redis is down): a refusing route answers 503. */
export class RateLimitUnavailableError extends Error {
  constructor() {
    super('The rate-limit counters are unreachable.');
    this.name = 'RateLimitUnavailableError';
  }
}

/** @fastify/rate-limit's `skipOnError` for a route: OTK routes run unlimited only under `all`. */
export function skipOnError(failOpen: FailOpen, otkRoute: boolean): boolean {
  return failOpen === 'all' || (failOpen === 'api' && !otkRoute);
}

/** Increments a counter, setting its expiry when the window starts; returns [count, ms left]. */
const INCREMENT = `
  local current = redis.call('INCR', KEYS[1])
  if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
  return { current, redis.call('PTTL', KEYS[1]) }
`;

/**
 * A Redis connection for the rate limits, so several vault instances count one visitor or site
 * together instead of each allowing the full limit. It fails fast while Redis is down; whether a
 * route then refuses or runs unlimited is each route's `skipOnError` (see FailOpen).
 */
export async function rateLimitRedis(redisUrl: string): Promise<{ client: Redis; nameSpace: string }> {
  const url = new URL(redisUrl);
  const prefix = redisPrefixOf(url);
  url.searchParams.delete('prefix');
  // Loaded only when the vault shares its limits through Redis (see openEphemeral).
  const { default: Redis } = await import('ioredis');
  const client = new Redis(url.toString(), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  // Errors surface as RateLimitUnavailableError; without a listener ioredis would log them raw.
  client.on('error', () => undefined);
  // Wait for the first connection, so the first requests are counted too (Redis was already
  // checked at start-up by the ephemeral store).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { client, nameSpace: `${prefix}rate-limit:` };
}

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A store for @fastify/rate-limit on Redis whose failures are a RateLimitUnavailableError, so the
 * error handler answers 503 `unavailable` (not 500) on routes that refuse while Redis is down.
 */
export function sharedLimitStore(client: Redis, nameSpace: string) {
  return class SharedLimitStore {
    private readonly prefix: string;
    constructor(prefix?: unknown) {
      this.prefix = typeof prefix === 'string' ? prefix : nameSpace;
    }
    // The plugin passes the route's window as a third argument, which its types leave out.
    incr(key: string, callback: IncrCallback, timeWindow = 60_000): void {
      client.eval(INCREMENT, 1, `${this.prefix}${key}`, timeWindow).then(
        (result) => {
          const [current, ttl] = result as [number, number];
          callback(null, { current, ttl });
        },
        () => callback(new RateLimitUnavailableError()),
      );
    }
    // Called with the merged route params, whose `routeInfo` the plugin's types do not declare. A
    // limiter made by createRateLimit has no route: its keys name what they count themselves.
    child(routeOptions: object): SharedLimitStore {
      const { routeInfo } = routeOptions as { routeInfo?: { method?: unknown; url?: unknown } };
      if (typeof routeInfo?.url !== 'string') return new SharedLimitStore(this.prefix);
      return new SharedLimitStore(`${this.prefix}${String(routeInfo.method)}${routeInfo.url}-`);
    }
  };
}

/** Past this many tracked IPs the in-memory counter drops the oldest, so a spray of IPs cannot grow it. */
const MAX_TRACKED = 10_000;

/**
 * Counts failed API-key attempts per client IP (the whole address, IPv6 too: API callers are
 * servers, and servers share a /64), checked before the key is: past the limit an IP
 * gets 429 whatever key it sends, so the answer tells a guesser nothing. In Redis when the
 * vault has it (instances count together), else in memory.
 */
export class AuthFailureLimiter {
  private readonly local = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly failOpen: boolean,
    private readonly shared?: { client: Redis; nameSpace: string },
  ) {}

  /** Throws 429 when `ip` has failed too often this minute (503 when that cannot be told and we refuse). */
  async check(ip: string): Promise<void> {
    let failures: number;
    if (this.shared) {
      try {
        failures = Number((await this.shared.client.get(this.key(ip))) ?? 0);
      } catch {
        if (this.failOpen) return;
        throw new RateLimitUnavailableError();
      }
    } else {
      const entry = this.local.get(ip);
      failures = entry && entry.resetAt > Date.now() ? entry.count : 0;
    }
    if (failures >= this.perMinute) throw tooMany();
  }

  async fail(ip: string): Promise<void> {
    if (this.shared) {
      // A failure that cannot be counted still gets its 401; check() decides what an outage means.
      await this.shared.client.eval(INCREMENT, 1, this.key(ip), 60_000).catch(() => undefined);
      return;
    }
    const now = Date.now();
    const entry = this.local.get(ip);
    if (entry && entry.resetAt > now) {
      entry.count += 1;
      return;
    }
    this.local.delete(ip);
    if (this.local.size >= MAX_TRACKED) this.prune(now);
    this.local.set(ip, { count: 1, resetAt: now + 60_000 });
  }

  private prune(now: number): void {
    for (const [ip, entry] of this.local) if (entry.resetAt <= now) this.local.delete(ip);
    while (this.local.size >= MAX_TRACKED) this.local.delete(this.local.keys().next().value as string);
  }

  private key(ip: string): string {
    return `${this.shared?.nameSpace}auth-failures:${ip}`;
  }
}

function tooMany(): VaultError {
  return new VaultError('rate_limited', 'Too many failed API-key attempts from this address; try again in a minute.');
}
