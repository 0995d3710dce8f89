import Redis from 'ioredis';
import { DEFAULT_REDIS_PREFIX } from '../ephemeral/redis';

/**
 * A Redis connection for @fastify/rate-limit, so several vault instances count one visitor or
 * site together instead of each allowing the full limit. It fails fast while Redis is down (the
 * limiter then lets requests through rather than refusing every visitor).
 */
export async function rateLimitRedis(redisUrl: string): Promise<{ client: Redis; nameSpace: string }> {
  const url = new URL(redisUrl);
  const prefix = url.searchParams.get('prefix') ?? DEFAULT_REDIS_PREFIX;
  url.searchParams.delete('prefix');
  const client = new Redis(url.toString(), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  // Errors surface as skipped limits (skipOnError); without a listener ioredis would log them raw.
  client.on('error', () => undefined);
  // Wait for the first connection, so the first requests are counted too (Redis was already
  // checked at start-up by the ephemeral store; if it went away since, limits are skipped).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { client, nameSpace: `${prefix}rate-limit:` };
}
