import { randomBytes } from 'node:crypto';
import { auditEvent } from '../src/audit/events';
import { ConfigError } from '../src/errors';
import { PostgresStorage } from '../src/storage/postgres';
import { POSTGRES_MIGRATIONS } from '../src/storage/postgres-schema';
import { StorageUnavailableError } from '../src/errors';
import { freePort } from './helpers/vault';
import { POSTGRES_URL, requirePostgres, TcpProxy, TestSchema } from './helpers/backends';

beforeAll(requirePostgres);

const site = (siteId: string) => ({
  siteId,
  origin: 'https://chat.test',
  apiKeyId: randomBytes(8).toString('hex'),
  apiKeyHash: 'h',
  createdAt: Date.now(),
});
const key = (siteId: string) => ({
  siteId,
  kid: randomBytes(8).toString('hex'),
  wrappedKey: 'w',
  createdAt: Date.now(),
  active: true,
});
const audit = (siteId: string) => auditEvent('site.add', { at: Date.now(), siteId, actor: 'test' });

describe('PostgreSQL storage', () => {
  const schemas: TestSchema[] = [];
  const storages: PostgresStorage[] = [];
  function open(schema = new TestSchema()): PostgresStorage {
    if (!schemas.includes(schema)) schemas.push(schema);
    const storage = new PostgresStorage(schema.url());
    storages.push(storage);
    return storage;
  }
  afterAll(async () => {
    await Promise.all(storages.map((s) => s.close()));
    await Promise.all(schemas.map((s) => s.drop()));
  });

  it('three instances starting at once on an empty schema migrate it exactly once', async () => {
    const schema = new TestSchema();
    const [a, b, c] = [open(schema), open(schema), open(schema)];
    await Promise.all([a.migrate(), b.migrate(), c.migrate()]);
    expect(await schema.sql('SELECT version FROM vault_migrations ORDER BY version')).toEqual(
      POSTGRES_MIGRATIONS.map(({ version }) => ({ version })),
    );
    await a.addSite(site('s1'), key('s1'), audit('s1'));
    expect(await c.getSite('s1')).toBeDefined();
  });

  it('schemas isolate vaults (and parallel test files) from each other', async () => {
    const one = open();
    const two = open();
    await Promise.all([one.migrate(), two.migrate()]);
    await one.addSite(site('only-in-one'), key('only-in-one'), audit('only-in-one'));
    expect(await two.getSite('only-in-one')).toBeUndefined();
    expect(await two.readAudit(0, 10)).toEqual([]);
  });

  it('the audit trail refuses UPDATE, DELETE and TRUNCATE, even from a direct database login', async () => {
    const schema = new TestSchema();
    const storage = open(schema);
    await storage.migrate();
    await storage.addSite(site('s1'), key('s1'), audit('s1'));
    await expect(schema.sql("UPDATE audit SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
    await expect(schema.sql('DELETE FROM audit')).rejects.toThrow(/append-only/);
    await expect(schema.sql('TRUNCATE audit')).rejects.toThrow(/append-only/);
    expect(await storage.readAudit(0, 10)).toHaveLength(1);
  });

  it('epoch-ms BIGINTs come back as numbers', async () => {
    const storage = open();
    await storage.migrate();
    const created = 8_000_000_000_000;
    await storage.addSite({ ...site('s1'), createdAt: created }, key('s1'), { ...audit('s1'), at: created });
    expect((await storage.getSite('s1'))!.createdAt).toBe(created);
    expect((await storage.readAudit(0, 1))[0]).toMatchObject({ seq: 1, at: created });
  });

  it('an unreachable server is StorageUnavailableError, fast, and the message holds no password', async () => {
    const url = new URL(POSTGRES_URL);
    url.password = 'hunter2-secret';
    url.port = String(await freePort());
    url.searchParams.set('schema', 'vt_nowhere');
    const storage = new PostgresStorage(url.toString(), { connectTimeoutMs: 1000 });
    storages.push(storage);
    const started = Date.now();
    for (const attempt of [
      () => storage.migrate(),
      () => storage.ping(),
      () => storage.getSite('x'),
      () => storage.appendAudit(audit('x')),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expect((error as Error).message).toMatch(
        /PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/test is unavailable \(ECONNREFUSED\)/,
      );
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a server that stops answering (a partition) fails calls within the timeouts; then it recovers', async () => {
    const proxy = TcpProxy.forUrl(POSTGRES_URL);
    const schema = new TestSchema();
    schemas.push(schema);
    const storage = new PostgresStorage(schema.url(await proxy.listen()), {
      connectTimeoutMs: 1000,
      queryTimeoutMs: 1000,
    });
    storages.push(storage);
    try {
      await storage.migrate();
      await storage.addSite(site('s1'), key('s1'), audit('s1'));
      proxy.hang();
      // A pooled connection now gets no answer (query timeout), a new one no handshake (connect timeout).
      for (const call of [() => storage.ping(), () => storage.getSite('s1'), () => storage.appendAudit(audit('s1'))]) {
        const started = Date.now();
        await expect(call()).rejects.toBeInstanceOf(StorageUnavailableError);
        expect(Date.now() - started).toBeLessThan(2500);
      }
      proxy.restore();
      await storage.ping();
      expect(await storage.getSite('s1')).toBeDefined();
      expect((await storage.readAudit(0, 10)).map((e) => e.seq)).toEqual([1]);
    } finally {
      await proxy.close();
    }
  });

  it('a bad ?schema= is a configuration error naming VAULT_DATABASE_URL', () => {
    expect(() => new PostgresStorage(`${POSTGRES_URL}?schema=Robert');DROP`)).toThrow(ConfigError);
    expect(() => new PostgresStorage(`${POSTGRES_URL}?schema=Robert');DROP`)).toThrow(/^VAULT_DATABASE_URL:/);
  });
});
