/**
 * Each vault process keeps unwrapped site keys, so a submit or detokenize neither reads the key row
 * nor unwraps it again. The cache holds only for the key generation the database keeps: a key
 * rotated out of use on one instance is not used for new data by another, and a removed site's key
 * decrypts nothing anywhere once the removal committed.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MasterKey } from '../src/crypto/master-key';
import { SiteKeyCache } from '../src/service/site-key-cache';
import { SiteService } from '../src/service/sites';
import { PostgresStorage } from '../src/storage/postgres';
import { SqliteStorage } from '../src/storage/sqlite';
import type { Storage } from '../src/storage/types';
import { requirePostgres, requireRedis, TestSchema } from './helpers/backends';
import { SharedBackends, startTwoVaults } from './helpers/scale-out';
import { cardForm, reveal, submitCard, tempDir, type TestVault } from './helpers/vault';

interface TwoInstances {
  a: SiteService;
  b: SiteService;
  storageB: Storage;
  close(): Promise<void>;
}

/** Two processes' worth of storage and site service on one database, with one master key. */
const backends: Record<string, () => Promise<TwoInstances>> = {
  SQLite: async () => {
    const file = path.join(tempDir(), 'vault.sqlite');
    const storageA = new SqliteStorage(file);
    await storageA.migrate();
    const storageB = new SqliteStorage(file);
    return pair(storageA, storageB, async () => undefined);
  },
  PostgreSQL: async () => {
    await requirePostgres();
    const schema = new TestSchema();
    const storageA = new PostgresStorage(schema.url());
    await storageA.migrate();
    const storageB = new PostgresStorage(schema.url());
    return pair(storageA, storageB, () => schema.drop());
  },
};

function pair(storageA: Storage, storageB: Storage, drop: () => Promise<void>): TwoInstances {
  const master = new MasterKey(randomBytes(32));
  return {
    a: new SiteService(storageA, master, Date.now),
    b: new SiteService(storageB, master, Date.now),
    storageB,
    async close() {
      await storageA.close();
      await storageB.close();
      await drop();
    },
  };
}

describe('the site-key cache itself', () => {
  it('never goes back to a generation it has left: a slow request that read an older one finds and keeps nothing', () => {
    const cache = new SiteKeyCache();
    const key = { kid: 'k1', key: randomBytes(32) };
    cache.store('site-a', key, 7, { active: true }); // no generation seen yet: not kept
    expect(cache.activeKey('site-a', 7)).toBeUndefined();
    cache.store('site-a', key, 7, { active: true });
    expect(cache.key('site-a', 'k1', 7)).toBe(key);
    expect(cache.activeKey('site-a', 8)).toBeUndefined(); // moved on: emptied
    cache.store('site-a', key, 7, { active: true }); // read before the move: not kept
    expect(cache.key('site-a', 'k1', 7)).toBeUndefined();
    expect(cache.key('site-a', 'k1', 8)).toBeUndefined();
    cache.store('site-a', { kid: 'k2', key: randomBytes(32) }, 8, { active: true });
    expect(cache.activeKey('site-a', 7)).toBeUndefined(); // an older generation does not empty it
    expect(cache.activeKey('site-a', 8)?.kid).toBe('k2');
    cache.clear();
    expect(cache.activeKey('site-a', 8)).toBeUndefined();
  });
});

describe.each(Object.keys(backends))('the site-key cache on %s, two instances on one database', (backend) => {
  let instances: TwoInstances;
  beforeEach(async () => {
    instances = await backends[backend]();
  });
  afterEach(() => instances.close());

  it('serves a cached key without reading its row, and follows a rotation made on the other instance', async () => {
    const { a, b, storageB } = instances;
    await a.addSite('site-x', 'https://chat.test');
    const first = await b.activeKey('site-x');
    expect(await b.keyById('site-x', first.kid)).toEqual(first.key);

    const keyRows = [jest.spyOn(storageB, 'getActiveSiteKey'), jest.spyOn(storageB, 'getSiteKey')];
    expect(await b.activeKey('site-x', await storageB.keyGeneration())).toEqual(first);
    expect(await b.keyById('site-x', first.kid, await storageB.keyGeneration())).toEqual(first.key);
    for (const spy of keyRows) expect(spy).not.toHaveBeenCalled();

    const second = await a.rotateKey('site-x');
    expect((await b.activeKey('site-x')).kid).toBe(second);
    // The old key stays for reading the data it encrypted.
    expect(await b.keyById('site-x', first.kid)).toEqual(first.key);
  });

  it('a site removed on one instance: its keys decrypt nothing on the other, cached or not', async () => {
    const { a, b } = instances;
    await a.addSite('site-x', 'https://chat.test');
    const first = await b.activeKey('site-x');
    const second = await a.rotateKey('site-x');
    const secondKey = await b.keyById('site-x', second);
    expect(secondKey).toBeDefined();

    expect(await a.removeSite('site-x')).toBe(true);
    expect(await b.keyById('site-x', first.kid)).toBeUndefined();
    expect(await b.keyById('site-x', second)).toBeUndefined();
    await expect(b.activeKey('site-x')).rejects.toMatchObject({ code: 'internal' });
    // A site added again under the same id gets new keys; the old ones stay gone.
    await a.addSite('site-x', 'https://chat.test');
    expect(await b.keyById('site-x', second)).toBeUndefined();
    expect((await b.activeKey('site-x')).kid).not.toBe(second);
  });
});

describe('the site-key cache through HTTP, two vault instances on one PostgreSQL and Redis', () => {
  const shared = new SharedBackends();
  let a: TestVault;
  let b: TestVault;
  beforeAll(async () => {
    await requirePostgres();
    await requireRedis();
    [a, b] = await startTwoVaults(shared);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await shared.drop();
  });

  it('B encrypts new data with the key A rotated in, and still reads what it stored with the old one', async () => {
    const before = await submitCard(b);
    expect((await reveal(b, before)).statusCode).toBe(200);
    const oldKid = (await b.app.vault.storage.getRecord(before))!.kid;

    const newKid = await a.app.vault.sites.rotateKey(a.site.siteId, 'test');
    const after = await submitCard(b, { cvv: '531' }, cardForm({ roomId: 'room-2' }));
    expect((await b.app.vault.storage.getRecord(after))!.kid).toBe(newKid);
    expect(newKid).not.toBe(oldKid);
    expect((await reveal(b, after)).json()).toMatchObject({ values: { cvv: '531' } });
    expect((await reveal(b, before)).statusCode).toBe(200);
  });
});
