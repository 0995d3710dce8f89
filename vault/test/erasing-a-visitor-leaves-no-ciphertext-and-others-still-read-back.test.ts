/**
 * GDPR Art. 17 and 20 for one visitor, by visitor token or room. After an erasure that visitor's
 * ciphertext and its key are in no database file (SQLite: the db, WAL and shm bytes; PostgreSQL:
 * the raw pages of the record-key table, since deleted rows linger until vacuum) and no Redis key;
 * their detokenize fails; other visitors still read back; the audit says what was erased (never a
 * value) and still verifies. Export gives metadata through the API, values only through the CLI.
 */
import fs from 'node:fs';
import { Client } from 'pg';
import { runCli } from '../src/cli/commands';
import { ephemeralKey } from '../src/service/request-spec';
import { sqlitePath } from '../src/open-vault';
import {
  POSTGRES_URL,
  rawRedis,
  REDIS_URL,
  redisPrefix,
  requirePostgres,
  requireRedis,
  scanKeys,
  TestSchema,
  wipeRedisPrefix,
} from './helpers/backends';
import {
  cardForm,
  createAndOpen,
  futureExpiry,
  reveal,
  startTestVault,
  testConfig,
  type TestVault,
} from './helpers/vault';

jest.setTimeout(60_000);

const CANARY_A = { name: 'Quixotic Erasable Aurelia', pan: '4111111111111111', cvv: '987' };
const CANARY_B = { name: 'Steadfast Kept Bartholomew', pan: '5555555555554444', cvv: '321' };

async function submitted(vault: TestVault, roomId: string, visitorToken: string, values: typeof CANARY_A) {
  const request = await createAndOpen(vault, cardForm({ roomId, visitorToken }));
  const answer = await vault.call('POST', request.submitPath, { values: { ...values, exp: futureExpiry() } }, null);
  expect(answer.statusCode).toBe(200);
  return request.requestId;
}

/** The parts of a stored record an erasure must leave nowhere: its ciphertext and its wrapped key. */
async function storedSecrets(vault: TestVault, requestId: string): Promise<string[]> {
  const record = await vault.app.vault.storage.getRecord(requestId);
  const parts = record!.token.split('.');
  return [parts[3], record!.wrappedKey!];
}

describe.each([
  ['SQLite and process memory', false],
  ['PostgreSQL and Redis', true],
])('erasing one visitor on %s', (_name, scaled) => {
  let vault: TestVault;
  let schema: TestSchema | undefined;
  let prefix = '';

  beforeEach(async () => {
    const env: Record<string, string> = {};
    if (scaled) {
      await requirePostgres();
      await requireRedis();
      schema = new TestSchema();
      prefix = redisPrefix();
      env.VAULT_DATABASE_URL = schema.url();
      env.VAULT_REDIS_URL = `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
    }
    vault = await startTestVault({ config: testConfig(env) });
  });
  afterEach(async () => {
    await vault.close();
    await schema?.drop();
    schema = undefined;
    if (prefix) await wipeRedisPrefix(prefix);
  });

  /** Every byte of the SQLite files; on PostgreSQL, the raw pages (dead rows included) of `table`. */
  async function databaseBytes(table = 'record_keys'): Promise<Buffer> {
    if (!schema) {
      const file = sqlitePath(vault.config);
      return Buffer.concat(
        ['', '-wal', '-shm'].filter((s) => fs.existsSync(file + s)).map((s) => fs.readFileSync(file + s)),
      );
    }
    try {
      await schema.sql('CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public');
    } catch {
      // Another test file created it at the same moment.
    }
    const [{ pages }] = await schema.sql<{ pages: string }>(
      'SELECT pg_relation_size($1) / current_setting($2)::int AS pages',
      [table, 'block_size'],
    );
    const raw: Buffer[] = [];
    for (let page = 0; page < Number(pages); page += 1) {
      const [row] = await schema.sql<{ bytes: Buffer }>('SELECT public.get_raw_page($1, $2) AS bytes', [table, page]);
      raw.push(row.bytes);
    }
    return Buffer.concat(raw);
  }

  it('by visitor token: gone from every database file and Redis, detokenize fails, the other visitor reads back', async () => {
    const a = await submitted(vault, 'room-a', 'visitor-a', CANARY_A);
    const b = await submitted(vault, 'room-b', 'visitor-b', CANARY_B);
    const secretsA = await storedSecrets(vault, a);
    const secretsB = await storedSecrets(vault, b);
    // The scan would find them: both visitors' records are in the files now.
    // PostgreSQL: the ciphertext is in \`records\`, the record's key in \`record_keys\`.
    const before = Buffer.concat([await databaseBytes(), ...(schema ? [await databaseBytes('records')] : [])]);
    for (const secret of [...secretsA, ...secretsB]) expect(before.includes(secret)).toBe(true);
    const otkA = (await vault.call('POST', `/v1/requests/${a}/otk`, { agentId: 'agent-1' })).json() as { otk: string };
    if (scaled) {
      const redis = rawRedis();
      try {
        expect(await redis.exists(prefix + ephemeralKey(a))).toBe(1);
      } finally {
        redis.disconnect();
      }
    }

    const erased = await vault.call('POST', '/v1/visitors/erase', { visitorToken: 'visitor-a', adminId: 'admin-1' });
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toEqual({
      erased: { requests: 1, records: 1, otks: 1 },
      requestIds: [a],
      roomIds: ['room-a'],
      scrubbed: true,
    });

    const after = await databaseBytes();
    if (schema) {
      // The deleted row of \`records\` may linger in its pages until a vacuum, but its key is gone
      // from every page of \`record_keys\`: what lingers can never be decrypted again.
      expect(after.includes(secretsA[1])).toBe(false);
      expect(after.includes(secretsB[1])).toBe(true);
    } else {
      for (const secret of secretsA) expect(after.includes(secret)).toBe(false);
      expect(after.includes('visitor-a')).toBe(false);
      for (const secret of secretsB) expect(after.includes(secret)).toBe(true);
    }
    if (scaled) {
      const redis = rawRedis();
      try {
        const keys = await scanKeys(redis, prefix);
        expect(keys.filter((k) => k.includes(a))).toEqual([]);
        expect(keys).toContain(prefix + ephemeralKey(b));
      } finally {
        redis.disconnect();
      }
    }

    // The OTK minted before is dead, and no new one can be had.
    const detokenize = await vault.call('POST', '/v1/detokenize', { otk: otkA.otk, agentId: 'agent-1' });
    expect([detokenize.statusCode, detokenize.json()]).toEqual([
      403,
      { error: expect.objectContaining({ code: 'invalid_otk' }) },
    ]);
    expect((await vault.call('POST', `/v1/requests/${a}/otk`, { agentId: 'agent-1' })).statusCode).toBe(404);
    const other = await reveal(vault, b);
    expect(other.statusCode).toBe(200);
    expect(other.json()).toMatchObject({ values: { name: CANARY_B.name, pan: CANARY_B.pan, cvv: CANARY_B.cvv } });

    const trail = await vault.app.vault.audit.verify();
    expect(trail.ok).toBe(true);
    const entries = await vault.app.vault.storage.readAudit(0, 1000);
    const erasure = entries.find((e) => e.action === 'visitor.erase');
    expect(erasure).toMatchObject({ actor: 'admin:admin-1', siteId: vault.site.siteId });
    expect(JSON.parse(erasure!.detail!)).toEqual({
      by: 'visitor',
      visitorTokenSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      requestIds: [a],
      records: 1,
      otks: 1,
    });
    // What the entries say. (A three-digit CVV could turn up by chance in a time or a hash; the
    // name, the card number and the token cannot.)
    const everything = JSON.stringify(entries.map(({ hash: _h, prevHash: _p, ...said }) => said));
    for (const value of [CANARY_A.name, CANARY_A.pan, 'visitor-a']) expect(everything).not.toContain(value);
  });

  it('a record stored before keys were kept apart is erased, and PostgreSQL does not claim it scrubbed', async () => {
    const a = await submitted(vault, 'room-a', 'visitor-a', CANARY_A);
    if (schema) {
      // As migration 6 left such a record: the whole JWE in \`records\`, no row in \`record_keys\`.
      await schema.sql(
        `UPDATE records SET token = split_part(token, '.', 1) || '.' || k.wrapped_key || '.' || split_part(token, '.', 3)
           || '.' || split_part(token, '.', 4) || '.' || split_part(token, '.', 5)
           FROM record_keys k WHERE k.record_id = records.record_id AND records.request_id = $1`,
        [a],
      );
      await schema.sql(
        'DELETE FROM record_keys WHERE record_id IN (SELECT record_id FROM records WHERE request_id = $1)',
        [a],
      );
    }
    const erased = await vault.call('POST', '/v1/visitors/erase', { visitorToken: 'visitor-a', adminId: 'admin-1' });
    expect(erased.json()).toMatchObject({ erased: { requests: 1, records: 1 }, scrubbed: !schema });
  });

  (scaled ? it : it.skip)(
    'on PostgreSQL a writer that began before the erasure and is still open keeps it from claiming the keys scrubbed',
    async () => {
      await submitted(vault, 'room-a', 'visitor-a', CANARY_A);
      // An older transaction with an id of its own, idle between statements: it holds no snapshot,
      // yet VACUUM keeps for it what was deleted after it began. (The erasure waits 10 s for it.)
      const writer = new Client({ connectionString: POSTGRES_URL });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query('SELECT txid_current()');
        const erased = await vault.call('POST', '/v1/visitors/erase', {
          visitorToken: 'visitor-a',
          adminId: 'admin-1',
        });
        expect(erased.json()).toMatchObject({ erased: { requests: 1, records: 1 }, scrubbed: false });
      } finally {
        await writer.query('ROLLBACK').catch(() => undefined);
        await writer.end();
      }
    },
  );

  it('by room, from the CLI; export gives metadata through the API and values only through the CLI, audited', async () => {
    const a = await submitted(vault, 'room-a', 'visitor-a', CANARY_A);
    const b = await submitted(vault, 'room-b', 'visitor-b', CANARY_B);

    const exported = await vault.call('POST', '/v1/visitors/export', { roomId: 'room-b', adminId: 'admin-1' });
    expect(exported.statusCode).toBe(200);
    expect(exported.json()).toMatchObject({ requests: [{ requestId: b, status: 'submitted', roomId: 'room-b' }] });
    // The CVV as a whole JSON value: its three digits alone can turn up in a timestamp.
    for (const value of [CANARY_B.name, CANARY_B.pan, JSON.stringify(CANARY_B.cvv)])
      expect(exported.body).not.toContain(value);
    const both = await vault.call('POST', '/v1/visitors/export', { roomId: 'room-b', visitorToken: 'x', adminId: 'a' });
    const neither = await vault.call('POST', '/v1/visitors/export', { adminId: 'a' });
    for (const refused of [both, neither]) {
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.message).toBe('body must have exactly one of visitorToken or roomId.');
    }

    // The CLI works on the same vault (on SQLite the server keeps running beside it).
    const env: Record<string, string> = {
      VAULT_DATA_DIR: vault.config.dataDir,
      VAULT_MASTER_KEY: vault.config.masterKey!,
      ...(vault.config.databaseUrl ? { VAULT_DATABASE_URL: vault.config.databaseUrl } : {}),
      ...(vault.config.redisUrl ? { VAULT_REDIS_URL: vault.config.redisUrl } : {}),
    };
    const cli = async (args: string[]) => {
      const out: string[] = [];
      const code = await runCli(args, env, { out: (l) => out.push(l), err: () => undefined });
      return { code, json: () => JSON.parse(out.join('\n')) as Record<string, unknown> };
    };
    const withValues = await cli([
      'visitor',
      'export',
      '--site',
      vault.site.siteId,
      '--room',
      'room-b',
      '--with-values',
    ]);
    expect(withValues.code).toBe(0);
    expect(withValues.json()).toMatchObject({
      requests: [{ requestId: b, values: { name: CANARY_B.name, pan: CANARY_B.pan } }],
    });

    const erased = await cli(['visitor', 'erase', '--site', vault.site.siteId, '--room', 'room-a']);
    expect(erased.code).toBe(0);
    expect(erased.json()).toMatchObject({ erased: { requests: 1, records: 1 }, requestIds: [a] });
    expect((await cli(['visitor', 'erase', '--site', vault.site.siteId])).code).toBe(2);
    expect((await cli(['visitor', 'erase', '--site', 'nobody', '--room', 'room-a'])).code).toBe(1);

    expect((await vault.call('GET', `/v1/requests/${a}`)).statusCode).toBe(404);
    expect((await reveal(vault, b)).statusCode).toBe(200);
    const actions = (await vault.app.vault.storage.readAudit(0, 1000)).map((e) => `${e.action}:${e.actor}`);
    expect(actions).toEqual(
      expect.arrayContaining(['visitor.export:admin:admin-1', 'visitor.export:cli', 'visitor.erase:cli']),
    );
    expect((await vault.app.vault.audit.verify()).ok).toBe(true);
  });
});
