/**
 * `vault:cli migrate --to postgres://…` while the SQLite vault runs: every table lands in an empty
 * PostgreSQL schema, a vault started on it reads the old values back and its audit trail
 * (chain and signed checkpoints) verifies and grows on; a non-empty target and a wrong master key
 * are refused, leaving the target as it was.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { logoPng } from './helpers/png';
import { cardForm, tempDir } from './helpers/vault';
import { addSiteByCli, ensureVaultBuilt, VaultHttp, VaultProcess, vaultCli, vaultCliAsync } from './helpers/processes';
import { requirePostgres, TestSchema } from './helpers/backends';

jest.setTimeout(120_000);

const FORM = cardForm({
  form: {
    id: 'migrate',
    title: 'Migrate',
    fields: [
      { id: 'name', label: 'Name', type: 'text', required: true },
      { id: 'pan', label: 'Card number', type: 'card_number', required: true },
    ],
  },
});

describe('vault:cli migrate into PostgreSQL', () => {
  const masterKey = randomBytes(32).toString('base64');
  const source = { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: masterKey };
  const target = new TestSchema();
  const other = new TestSchema();
  let running: VaultProcess | undefined;

  beforeAll(async () => {
    await requirePostgres();
    ensureVaultBuilt();
  });
  afterAll(async () => {
    await running?.stop();
    await target.drop();
    await other.drop();
    fs.rmSync(source.VAULT_DATA_DIR, { recursive: true, force: true });
  });

  it('copies a running SQLite vault; the PostgreSQL vault reads it back and its audit trail verifies', async () => {
    const apiKey = addSiteByCli('acme', source);
    const otherKey = addSiteByCli('globex', source);
    expect(vaultCli(['keys', 'rotate', '--site', 'acme'], source).status).toBe(0);
    expect(vaultCli(['site', 'manager-view', 'acme', 'on'], source).status).toBe(0);
    // Migration 5's switch and brand (with its PNG bytes) travel too.
    expect(vaultCli(['site', 'idv-paste', 'acme', 'on'], source).status).toBe(0);
    const logoFile = path.join(source.VAULT_DATA_DIR, 'logo.png');
    fs.writeFileSync(logoFile, logoPng(120, 40));
    const brand = ['site', 'brand', 'acme', '--name', 'ACME Bank', '--accent', '#0b5d33', '--logo', logoFile];
    expect(vaultCli(brand, source).status).toBe(0);
    fs.rmSync(logoFile);
    // Migration 7's relay, its secret header sealed with the site's key, travels too.
    const relayFile = path.join(source.VAULT_DATA_DIR, 'relay.json');
    const relayConfig = {
      url: 'https://api.stripe.com/v1/payment_intents',
      allowHosts: ['api.stripe.com'],
      template: 'stripe_payment_intent',
    };
    fs.writeFileSync(relayFile, JSON.stringify(relayConfig));
    const relaySet = spawnSync(
      process.execPath,
      ['dist/cli.js', 'relay', 'set', 'acme', 'stripe', '--config', relayFile, '--secret-header', 'Authorization'],
      {
        cwd: path.resolve(__dirname, '..'),
        env: { PATH: process.env.PATH, ...source },
        input: 'Bearer sk_test_migrated\n',
      },
    );
    expect(relaySet.status).toBe(0);
    fs.rmSync(relayFile);
    running = await VaultProcess.start(source);
    const http = new VaultHttp(running.url, apiKey);
    const submitted: { requestId: string; values: Record<string, string> }[] = [];
    for (let n = 0; n < 6; n += 1) {
      const { requestId, visitorPath } = await http.create(FORM);
      const values = { name: `Migrated ${n} ${randomBytes(3).toString('hex')}`, pan: '4111111111111111' };
      expect(await http.submit(await http.open(visitorPath), values)).toBe(200);
      submitted.push({ requestId, values });
    }
    const pending = await http.create(FORM); // left open: its OTK row travels too
    await new VaultHttp(running.url, otherKey).create(FORM);
    expect(vaultCli(['audit', 'checkpoint'], source).status).toBe(0);
    await http.create(FORM); // an entry after the last checkpoint: linked, not yet signed

    // Online: the SQLite vault keeps running while the CLI copies from its snapshot.
    const migrated = await vaultCliAsync(['migrate', '--to', target.url()], source);
    expect(migrated.stderr).not.toMatch(/failed/);
    expect(migrated.status).toBe(0);
    const report = JSON.parse(migrated.stdout) as {
      migrated: string;
      tables: Record<string, number>;
      audit: { ok: boolean; entries: number; checkpoints: number; signedThrough: number };
    };
    expect(report.tables).toMatchObject({
      sites: 2,
      site_keys: 3,
      site_policies: 1,
      site_brands: 1,
      relays: 1,
      records: 6,
      requests: 9,
    });
    const logoSha = createHash('sha256').update(logoPng(120, 40)).digest('hex');
    expect(
      await target.sql(
        'SELECT p.manager_view, p.idv_paste, b.display_name, b.accent_colour, b.logo_sha256, b.logo_width, b.logo FROM site_policies p JOIN site_brands b USING (site_id)',
      ),
    ).toEqual([
      {
        manager_view: true,
        idv_paste: true,
        display_name: 'ACME Bank',
        accent_colour: '#0b5d33',
        logo_sha256: logoSha,
        logo_width: 120,
        logo: logoPng(120, 40),
      },
    ]);
    expect(report.tables.otks).toBeGreaterThan(0);
    expect(report.audit.ok).toBe(true);
    expect(report.audit.checkpoints).toBeGreaterThanOrEqual(1);
    expect(report.audit.entries).toBe(report.tables.audit);
    expect(report.audit.signedThrough).toBeLessThan(report.audit.entries);
    for (const [table, rows] of Object.entries(report.tables)) {
      const [{ n }] = await target.sql<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
      expect([table, Number(n)]).toEqual([table, rows]);
    }
    expect(fs.readdirSync(source.VAULT_DATA_DIR).filter((f) => f.startsWith('.migrate-'))).toEqual([]);
    await running.stop();
    running = undefined;

    const onPostgres = { VAULT_DATABASE_URL: target.url(), VAULT_MASTER_KEY: masterKey, VAULT_DATA_DIR: tempDir() };
    const relays = vaultCli(['relay', 'list', 'acme'], onPostgres);
    expect(relays.status).toBe(0);
    expect(JSON.parse(relays.stdout)).toMatchObject([{ relayId: 'stripe', secretHeader: 'authorization' }]);
    running = await VaultProcess.start(onPostgres, { ownsDataDir: true });
    const pgHttp = new VaultHttp(running.url, apiKey);
    const logo = await fetch(`${running.url}/brand/logo-${logoSha}.png`);
    expect([logo.status, logo.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(Buffer.from(await logo.arrayBuffer()).equals(logoPng(120, 40))).toBe(true);
    for (const { requestId, values } of submitted) {
      expect(await pgHttp.reveal(requestId)).toEqual({ status: 200, values });
    }
    // The pending request's visitor link still opens there, and new entries chain on.
    const submitPath = await pgHttp.open(pending.visitorPath);
    expect(await pgHttp.submit(submitPath, { name: 'After', pan: '4242424242424242' })).toBe(200);
    expect(await pgHttp.reveal(pending.requestId)).toEqual({
      status: 200,
      values: { name: 'After', pan: '4242424242424242' },
    });
    await running.stop();
    running = undefined;
    expect(vaultCli(['audit', 'checkpoint'], onPostgres).status).toBe(0);
    const verified = vaultCli(['audit', 'verify'], onPostgres);
    expect(verified.status).toBe(0);
    expect((JSON.parse(verified.stdout) as { count: number }).count).toBeGreaterThan(report.audit.entries);

    // A second migration into the now non-empty target is refused and changes nothing there.
    const [{ n: before }] = await target.sql<{ n: string }>('SELECT count(*) AS n FROM audit');
    const again = vaultCli(['migrate', '--to', target.url()], source);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/PostgreSQL target is not empty \(rows in .*sites/);
    const [{ n: after }] = await target.sql<{ n: string }>('SELECT count(*) AS n FROM audit');
    expect(after).toBe(before);
    console.log(`migrated: ${JSON.stringify(report)}`);
  });

  it('refuses a master key that does not open the sites, before copying anything', async () => {
    const wrongKey = vaultCli(['migrate', '--to', other.url()], {
      ...source,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(/master key does not open the keys of site "acme" in the SQLite vault/);
    expect(await other.sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [other.name])).toEqual([]);
  });

  it('needs VAULT_MASTER_KEY and a PostgreSQL URL', () => {
    const noKey = vaultCli(['migrate', '--to', other.url()], { VAULT_DATA_DIR: source.VAULT_DATA_DIR });
    expect(noKey.status).toBe(1);
    expect(noKey.stderr).toMatch(/VAULT_MASTER_KEY: migrate needs it set to the SQLite vault's master key/);
    // The source is the SQLite vault: a VAULT_DATABASE_URL left set would make the CLI read PostgreSQL.
    const pgSet = vaultCli(['migrate', '--to', other.url()], { ...source, VAULT_DATABASE_URL: other.url() });
    expect(pgSet.status).toBe(1);
    expect(pgSet.stderr).toMatch(/unset VAULT_DATABASE_URL for this command/);
    const notPostgres = vaultCli(['migrate', '--to', 'mysql://x/y'], source);
    expect(notPostgres.status).toBe(1);
    expect(notPostgres.stderr).toMatch(/configuration error: --to: must start with postgres:/);
    expect(notPostgres.stderr).not.toMatch(/VAULT_DATABASE_URL/);
    const noTarget = vaultCli(['migrate'], source);
    expect(noTarget.status).toBe(2);
    expect(noTarget.stderr).toMatch(/--to <value> is required/);
  });
});
