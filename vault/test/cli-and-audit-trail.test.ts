import fs from 'node:fs';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { runCli } from '../src/cli/commands';
import { sqlitePath } from '../src/open-vault';
import { buildApp } from '../src/http/app';
import { cardForm, LogCapture, reveal, startTestVault, tempDir, testConfig, submitCard } from './helpers/vault';

function cliEnv() {
  return { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: randomBytes(32).toString('base64') };
}

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

describe('vault:cli', () => {
  it('site add prints one JSON line with a key shown once; the key works and is stored only hashed', async () => {
    const env = cliEnv();
    const added = await cli(['site', 'add', 'acme', '--origin', 'https://chat.acme.test/', '--init'], env);
    expect(added.code).toBe(0);
    expect(added.out).toHaveLength(1);
    const { siteId, apiKey } = JSON.parse(added.out[0]);
    expect(siteId).toBe('acme');
    expect(apiKey).toMatch(/^ivk\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);

    const dump = Buffer.concat(
      ['', '-wal'].map((suffix) => {
        const file = `${env.VAULT_DATA_DIR}/vault.sqlite${suffix}`;
        return fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
      }),
    );
    expect(dump.includes(Buffer.from(apiKey.split('.')[2]))).toBe(false);

    const vault = await startTestVault({ config: testConfig(env) });
    try {
      const response = await vault.call(
        'POST',
        '/v1/requests',
        cardForm({ callbackUrl: 'https://chat.acme.test/api/apps/x' }),
        apiKey,
      );
      expect(response.statusCode).toBe(201);
    } finally {
      await vault.close();
    }

    // A leaked key is replaced: the old one stops working, the new one works.
    const rekeyed = await cli(['site', 'rekey', 'acme'], env);
    expect(rekeyed.code).toBe(0);
    const replacement = JSON.parse(rekeyed.out[0]).apiKey;
    expect(replacement).not.toBe(apiKey);
    const after = await buildApp(testConfig(env), { logStream: new LogCapture() });
    const listWith = (key: string) =>
      after.inject({ method: 'GET', url: '/v1/rooms/r/requests', headers: { authorization: `Bearer ${key}` } });
    try {
      expect((await listWith(apiKey)).statusCode).toBe(401);
      expect((await listWith(replacement)).statusCode).toBe(200);
    } finally {
      await after.close();
    }
    expect((await cli(['site', 'rekey', 'nobody'], env)).code).toBe(1);

    const again = await cli(['site', 'add', 'acme', '--origin', 'https://chat.acme.test'], env);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists/);
    const listed = await cli(['site', 'list'], env);
    expect(JSON.parse(listed.out[0])).toEqual(
      expect.arrayContaining([expect.objectContaining({ siteId: 'acme', origin: 'https://chat.acme.test' })]),
    );
    expect(listed.out[0]).not.toContain(apiKey.split('.')[2]);
  });

  it.each([
    [[], 2],
    [['site'], 2],
    [['site', 'add'], 2],
    [['site', 'add', 'acme'], 2],
    [['site', 'add', 'bad id!', '--origin', 'https://x.test'], 1],
    [['site', 'add', 'acme', '--origin', 'javascript:alert(1)'], 1],
    [['site', 'remove', 'nobody'], 1],
    [['keys', 'rotate'], 2],
    [['keys', 'rotate', '--site', 'nobody'], 1],
    [['frobnicate'], 2],
  ])('%j exits %i with a message', async (args, expected) => {
    const result = await cli([...(args as string[]), '--init'], cliEnv());
    expect(result.code).toBe(expected);
    expect(result.err.length).toBeGreaterThan(5);
  });

  it('a bad environment stops the CLI with one line naming the variable', async () => {
    const result = await cli(['purge'], { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: 'short' });
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/VAULT_MASTER_KEY/);
  });

  it('keys rotate, purge and site remove work on a live data dir; audit verify counts an intact chain', async () => {
    const config = testConfig();
    const env = { VAULT_DATA_DIR: config.dataDir, VAULT_MASTER_KEY: config.masterKey! };
    const vault = await startTestVault({ config });
    let requestId: string;
    try {
      requestId = await submitCard(vault);
      const rotated = await cli(['keys', 'rotate', '--site', vault.site.siteId], env);
      expect(rotated.code).toBe(0);
      expect(JSON.parse(rotated.out[0]).kid).toMatch(/^[0-9a-f-]{36}$/);
      expect((await reveal(vault, requestId)).json().values.pan).toBe('4111111111111111');
      expect((await cli(['purge'], env)).code).toBe(0);
    } finally {
      await vault.close();
    }
    const verified = await cli(['audit', 'verify'], env);
    expect(verified.code).toBe(0);
    const report = JSON.parse(verified.out[0]);
    expect(report.ok).toBe(true);
    expect(report.count).toBeGreaterThanOrEqual(8);

    const removed = await cli(['site', 'remove', 'site-a'], env);
    expect(removed.code).toBe(0);
    const db = new Database(sqlitePath(config), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM records').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM site_keys').get()).toEqual({ n: 0 });
    db.close();
    expect((await cli(['audit', 'verify'], env)).code).toBe(0);
  });

  it("audit verify fails (exit 1) when an entry was altered behind the triggers' back", async () => {
    const config = testConfig();
    const env = { VAULT_DATA_DIR: config.dataDir, VAULT_MASTER_KEY: config.masterKey! };
    const vault = await startTestVault({ config });
    await vault.call('POST', '/v1/requests', cardForm());
    await vault.call('POST', '/v1/requests', cardForm());
    await vault.close();

    const db = new Database(sqlitePath(config));
    expect(() => db.prepare("UPDATE audit SET actor = 'someone-else' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit WHERE seq = 2').run()).toThrow(/append-only/);
    db.exec('DROP TRIGGER audit_is_append_only_update');
    db.prepare("UPDATE audit SET actor = 'someone-else' WHERE seq = 2").run();
    db.close();

    const verified = await cli(['audit', 'verify'], env);
    expect(verified.code).toBe(1);
    expect(JSON.parse(verified.out[0])).toMatchObject({ ok: false, brokenAt: 2 });
    expect(verified.err).toMatch(/broken at entry 2/);
  });
});
