/**
 * Wrong API keys are counted per client IP before the key is checked: past the limit the IP gets
 * 429 even with a right key, so the limit cannot be used as an oracle, and other IPs are untouched.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/http/app';
import { redisPrefix, requireRedis, REDIS_URL, wipeRedisPrefix } from './helpers/backends';
import { LogCapture, startTestVault, testConfig } from './helpers/vault';

const WRONG_KEY = `ivk.0123456789abcdef.${'W'.repeat(43)}`;

function listRequests(app: FastifyInstance, apiKey: string, remoteAddress: string) {
  return app.inject({
    method: 'GET',
    url: '/v1/rooms/room-1/requests',
    headers: { authorization: `Bearer ${apiKey}` },
    remoteAddress,
  });
}

describe('failed API-key attempts', () => {
  it('are limited per IP: then 429 even for the right key from that IP, while other IPs go on', async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '5' }) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i += 1)
        statuses.push((await listRequests(vault.app, WRONG_KEY, '198.51.100.7')).statusCode);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
      const blocked = await listRequests(vault.app, vault.site.apiKey, '198.51.100.7');
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe('rate_limited');
      expect(blocked.headers['retry-after']).toBe('60');
      expect((await listRequests(vault.app, vault.site.apiKey, '198.51.100.8')).statusCode).toBe(200);
      // Successful calls are not failures: the right key from a fresh IP is never counted.
      for (let i = 0; i < 10; i += 1)
        expect((await listRequests(vault.app, vault.site.apiKey, '198.51.100.9')).statusCode).toBe(200);
      expect(vault.logs.text).not.toContain('WWWWWWWW');
      expect(vault.logs.text).not.toContain(vault.site.apiKey);
    } finally {
      await vault.close();
    }
  });

  it('are counted together by instances sharing Redis', async () => {
    await requireRedis();
    const prefix = redisPrefix();
    const env = {
      VAULT_REDIS_URL: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`,
      VAULT_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3',
    };
    const a = await buildApp(testConfig(env), { logStream: new LogCapture() });
    const b = await buildApp(testConfig(env), { logStream: new LogCapture() });
    try {
      const statuses: number[] = [];
      for (const app of [a, b, a, b]) statuses.push((await listRequests(app, WRONG_KEY, '198.51.100.7')).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await a.close();
      await b.close();
      await wipeRedisPrefix(prefix);
    }
  });
});
