import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { PostgresStorage } from '../src/storage/postgres';
import { requirePostgres, TestSchema } from './helpers/backends';
import { event, key, NOW, otk, request, site } from './shared/storage-contract';

beforeAll(requirePostgres);

/** A storage on a schema of its own with site-a in it, for this describe block; dropped after it. */
function storageWithSite(poolMax: number): { storage: PostgresStorage; schema: TestSchema } {
  const schema = new TestSchema();
  const storage = new PostgresStorage(schema.url(), { poolMax });
  beforeAll(async () => {
    await storage.migrate();
    await storage.addSite(site(), key(), event('site.add'));
  });
  afterAll(async () => {
    await storage.close();
    await schema.drop();
  });
  return { storage, schema };
}

describe('PostgreSQL statements', () => {
  // One connection, so the statements prepared are the ones the next call finds.
  const { storage, schema } = storageWithSite(1);

  /** The statements the vault's one connection holds prepared (pg_prepared_statements is per session). */
  async function preparedStatements(): Promise<string[]> {
    const pool = Reflect.get(storage, 'pool') as Pool;
    return (await pool.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map(
      (r) => r.statement,
    );
  }

  it('a statement with parameters is prepared once on the connection and reused, not planned on every call', async () => {
    const row = request();
    const open = otk(row.requestId, 'open');
    await storage.createRequest(row, open, event('request.create', 'site-a', row.requestId));
    for (let i = 0; i < 3; i += 1)
      expect(await storage.findPreviewTarget(open.hash, NOW)).toMatchObject({ title: 'T' });
    const statements = await preparedStatements();
    expect(statements.filter((sql) => sql.includes("o.purpose = 'open'") && sql.includes('site_brands'))).toHaveLength(
      1,
    );
    expect(statements.some((sql) => sql.startsWith('INSERT INTO requests'))).toBe(true);
  });

  it('a read survives a column added under its prepared SELECT * (another instance migrated), and answers the same', async () => {
    const before = await storage.getSite('site-a');
    await schema.sql('ALTER TABLE sites ADD COLUMN added_by_a_newer_vault INTEGER');
    expect(await storage.getSite('site-a')).toEqual(before);
    expect(await storage.getSite('site-a')).toEqual(before);
  });
});

describe('PostgreSQL statements in a pool of several connections', () => {
  const { storage, schema } = storageWithSite(5);

  it('a transaction survives a column added under its prepared SELECT r.* on every idle connection, and commits once', async () => {
    const row = request();
    const open = otk(row.requestId, 'open');
    await storage.createRequest(row, open, event('request.create', 'site-a', row.requestId));
    // Five at once take five connections, and each prepares the locking read (SELECT r.* … FOR UPDATE):
    // more stale connections than a transaction has attempts, so only running it unnamed gets through.
    const submit = { hash: randomBytes(32).toString('hex'), expiresAt: NOW + 60_000 };
    const unknown = () => storage.openRequest(randomBytes(32).toString('hex'), submit, NOW, event('request.open'));
    expect(await Promise.all([unknown(), unknown(), unknown(), unknown(), unknown()])).toEqual(
      Array(5).fill(undefined),
    );
    await schema.sql('ALTER TABLE requests ADD COLUMN added_by_a_newer_vault INTEGER');
    const opened = await storage.openRequest(open.hash, submit, NOW, event('request.open', 'site-a', row.requestId));
    expect(opened).toMatchObject({ requestId: row.requestId, status: 'opened' });
    const [audit] = await schema.sql<{ n: string }>(
      `SELECT count(*) AS n FROM audit WHERE action = 'request.open' AND request_id = $1`,
      [row.requestId],
    );
    expect(Number(audit.n)).toBe(1);
  });
});
