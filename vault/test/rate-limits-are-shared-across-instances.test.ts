/** With Redis configured, instances count together: a visitor cannot get N× the limit from N instances. */
import { buildApp } from '../src/http/app';
import { rawRedis, redisPrefix, requireRedis, REDIS_URL, scanKeys, wipeRedisPrefix } from './helpers/backends';
import { LogCapture, testConfig } from './helpers/vault';

describe('rate limits with Redis', () => {
  const twoInstances = async (limits: Record<string, string>) => {
    await requireRedis();
    const prefix = redisPrefix();
    const env = { VAULT_REDIS_URL: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`, ...limits };
    const a = await buildApp(testConfig(env), { logStream: new LogCapture() });
    const b = await buildApp(testConfig(env), { logStream: new LogCapture() });
    const close = async () => {
      await a.close();
      await b.close();
      await wipeRedisPrefix(prefix);
    };
    return { a, b, prefix, close };
  };

  it('two instances share one link limit, and the counters name no link', async () => {
    const { a, b, prefix, close } = await twoInstances({ VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '3' });
    const link = 'z'.repeat(40) + 'Q_9';
    try {
      const statuses: number[] = [];
      for (const app of [a, b, a, b, a])
        statuses.push((await app.inject({ method: 'GET', url: `/f/${link}` })).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
      const redis = rawRedis();
      try {
        const keys = await scanKeys(redis, prefix);
        expect(keys.length).toBeGreaterThan(0);
        // The link is a bearer secret: a counter store (Redis, its dumps, its MONITOR) never holds it.
        expect(keys.filter((key) => key.includes(link))).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      await close();
    }
  });

  it('two instances share one per-IP limit across links', async () => {
    const { a, b, close } = await twoInstances({ VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (const [i, app] of [a, b, a, b, a].entries())
        statuses.push((await app.inject({ method: 'GET', url: `/f/${String(i).padStart(43, 'z')}` })).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
    } finally {
      await close();
    }
  });
});
