import { setTimeout as sleep } from 'node:timers/promises';
import { RedisEphemeralStore } from '../src/ephemeral/redis';
import { ConfigError, StorageUnavailableError } from '../src/errors';
import { freePort } from './helpers/vault';
import {
  rawRedis,
  REDIS_URL,
  redisPrefix,
  requireRedis,
  scanKeys,
  TcpProxy,
  wipeRedisPrefix,
} from './helpers/backends';

beforeAll(requireRedis);

describe('the Redis ephemeral store', () => {
  const prefixes: string[] = [];
  const stores: RedisEphemeralStore[] = [];
  async function open(url = REDIS_URL, prefix = redisPrefix()): Promise<RedisEphemeralStore> {
    prefixes.push(prefix);
    const store = new RedisEphemeralStore(url, { prefix, timeoutMs: 1000 });
    stores.push(store);
    await store.connect();
    return store;
  }
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(prefixes.map(wipeRedisPrefix));
  });

  it('writes every key under its prefix with a TTL', async () => {
    const store = await open();
    await store.put('eph:1', Buffer.from('sealed'), 5_000);
    await store.put('eph:2', Buffer.from('sealed'), 300_000);
    const redis = rawRedis();
    try {
      const keys = (await scanKeys(redis, store.prefix)).sort();
      expect(keys).toEqual([`${store.prefix}eph:1`, `${store.prefix}eph:2`]);
      const ttls = await Promise.all(keys.map((key) => redis.pttl(key)));
      expect(ttls[0]).toBeGreaterThan(0);
      expect(ttls[0]).toBeLessThanOrEqual(5_000);
      expect(ttls[1]).toBeGreaterThan(5_000);
      expect(ttls[1]).toBeLessThanOrEqual(300_000);
    } finally {
      redis.disconnect();
    }
  });

  it('takes its prefix from ?prefix= in the URL', async () => {
    const prefix = redisPrefix();
    prefixes.push(prefix);
    const store = new RedisEphemeralStore(`${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`);
    stores.push(store);
    await store.connect();
    expect(store.prefix).toBe(prefix);
    await store.put('k', Buffer.from('v'), 10_000);
    const redis = rawRedis();
    try {
      expect(await redis.exists(`${prefix}k`)).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('an unreachable Redis fails start-up at once with the password redacted', async () => {
    const url = `redis://:hunter2-secret@127.0.0.1:${await freePort()}`;
    const store = new RedisEphemeralStore(url, { timeoutMs: 1000 });
    stores.push(store);
    const started = Date.now();
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as Error).message).toMatch(
      /^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is unavailable \(ECONNREFUSED\)\.$/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a password or user Redis refuses stops start-up as a configuration error, not an outage, the password redacted', async () => {
    // Redis answers WRONGPASS for a user it does not have, whatever the password: the same refusal.
    const url = new URL(REDIS_URL);
    url.username = 'no-such-vault-user';
    url.password = 'hunter2-secret';
    const store = new RedisEphemeralStore(url.toString(), { timeoutMs: 1000 });
    stores.push(store);
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /^VAULT_REDIS_URL: Redis at redis:\/\/no-such-vault-user:\*\*\*@.* refused its credentials \(WRONGPASS /,
    );
    expect((error as ConfigError).message).not.toContain('hunter2');
  });

  it("refuses a database Redis does not have, where ioredis went on in database 0 (another tenant's)", async () => {
    const prefix = redisPrefix();
    const store = new RedisEphemeralStore(`${REDIS_URL}/99999`, { prefix, timeoutMs: 1000 });
    stores.push(store);
    const error = await store.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /^VAULT_REDIS_URL: Redis at .* refused database 99999 \(ERR DB index/,
    );
    await expect(store.put('eph:1', Buffer.from('sealed'), 5_000)).rejects.toThrow(StorageUnavailableError);
    const redis = rawRedis();
    try {
      expect(await scanKeys(redis, prefix)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  /**
   * A store behind a proxy, holding one entry: once `breakLink` has broken the link, each call must
   * fail fast with StorageUnavailableError; once the link is restored, the same store answers again
   * and still holds the entry.
   */
  async function expectFastFailuresThenRecovery(
    breakLink: (proxy: TcpProxy) => void,
    callsOf: (store: RedisEphemeralStore) => Array<() => Promise<unknown>>,
  ): Promise<void> {
    const proxy = TcpProxy.forUrl(REDIS_URL);
    const through = new URL(REDIS_URL);
    through.host = await proxy.listen();
    try {
      const store = await open(through.toString());
      await store.put('eph:kept', Buffer.from('sealed'), 60_000);
      breakLink(proxy);
      for (const call of callsOf(store)) {
        const started = Date.now();
        await expect(call()).rejects.toBeInstanceOf(StorageUnavailableError);
        expect(Date.now() - started).toBeLessThan(2500);
      }
      proxy.restore();
      const deadline = Date.now() + 10_000;
      while (
        !(await store.ping().then(
          () => true,
          () => false,
        ))
      ) {
        if (Date.now() > deadline) throw new Error('the store did not reconnect within 10 s');
        await sleep(100);
      }
      expect((await store.get('eph:kept'))?.toString()).toBe('sealed');
    } finally {
      await proxy.close();
    }
  }

  it('while Redis is unreachable every call fails fast; when it is back the same store works again', async () => {
    await expectFastFailuresThenRecovery(
      (proxy) => proxy.cut(),
      (store) => [
        () => store.put('eph:x', Buffer.from('y'), 1000),
        () => store.get('eph:kept'),
        () => store.count(),
        () => store.ping(),
        () => store.delete(['eph:kept']),
      ],
    );
  });

  it('a Redis that stops answering (a partition) fails each call within the timeout instead of hanging', async () => {
    await expectFastFailuresThenRecovery(
      (proxy) => proxy.hang(),
      (store) => [() => store.get('eph:kept'), () => store.ping()],
    );
  });
});
