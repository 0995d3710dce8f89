/** With Redis configured, instances count together: a visitor cannot get N× the limit from N instances. */
import { buildApp } from '../src/http/app';
import { redisPrefix, requireRedis, REDIS_URL, wipeRedisPrefix } from './helpers/backends';
import { LogCapture, testConfig } from './helpers/vault';

describe('rate limits with Redis', () => {
  it('two instances share one visitor limit', async () => {
    await requireRedis();
    const prefix = redisPrefix();
    const env = {
      VAULT_REDIS_URL: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`,
      VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '3',
    };
    const a = await buildApp(testConfig(env), { logStream: new LogCapture() });
    const b = await buildApp(testConfig(env), { logStream: new LogCapture() });
    try {
      const statuses: number[] = [];
      for (const app of [a, b, a, b, a]) {
        statuses.push((await app.inject({ method: 'GET', url: `/f/${'z'.repeat(43)}` })).statusCode);
      }
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
    } finally {
      await a.close();
      await b.close();
      await wipeRedisPrefix(prefix);
    }
  });
});
