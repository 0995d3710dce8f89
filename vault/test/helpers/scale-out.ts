import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/http/app';
import { attach, LogCapture, testConfig, startTestVault, type TestVault } from './vault';

import { REDIS_URL, redisPrefix, TestSchema, wipeRedisPrefix } from './backends';

/** One PostgreSQL schema and one Redis prefix that several vault instances share, as in production. */
export class SharedBackends {
  readonly schema = new TestSchema();
  readonly prefix = redisPrefix();
  readonly masterKey = randomBytes(32).toString('base64');

  /** The environment every instance gets; `via` routes PostgreSQL or Redis through a proxy. */
  env(via: { postgres?: string; redis?: string } = {}): Record<string, string> {
    const redis = new URL(REDIS_URL);
    if (via.redis) redis.host = via.redis;
    redis.searchParams.set('prefix', this.prefix);
    return {
      VAULT_DATABASE_URL: this.schema.url(via.postgres),
      VAULT_REDIS_URL: redis.toString(),
      VAULT_MASTER_KEY: this.masterKey,
    };
  }

  async drop(): Promise<void> {
    await this.schema.drop();
    await wipeRedisPrefix(this.prefix);
  }
}

/** Two vault apps (A registers the site) on the same PostgreSQL schema and Redis prefix. */
export async function startTwoVaults(
  backends: SharedBackends,
  env: Record<string, string> = {},
): Promise<[TestVault, TestVault]> {
  const a = await startTestVault({ config: testConfig({ ...backends.env(), ...env }) });
  const configB = testConfig({ ...backends.env(), ...env });
  const logs = new LogCapture();
  const b = attach(
    await buildApp(configB, { logStream: logs, doorbell: { retryDelaysMs: [] } }),
    configB,
    logs,
    a.site,
  );
  return [a, b];
}
