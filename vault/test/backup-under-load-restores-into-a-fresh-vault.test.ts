/**
 * `vault:cli backup <file>` while visitors keep submitting, then `vault:cli restore <file>` into
 * an empty data dir: the restored vault reads back every value confirmed before the backup began,
 * its audit chain verifies, and a restore refuses a wrong master key or a data dir that has a vault.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cardForm, tempDir } from './helpers/vault';
import { addSiteByCli, ensureVaultBuilt, VaultHttp, VaultProcess, vaultCli, vaultCliAsync } from './helpers/processes';

jest.setTimeout(120_000);

const WORKERS = 4;
const FORM = cardForm({
  form: {
    id: 'backup',
    title: 'Backup',
    fields: [
      { id: 'name', label: 'Name', type: 'text', required: true },
      { id: 'pan', label: 'Card number', type: 'card_number', required: true },
    ],
  },
});

interface Confirmed {
  requestId: string;
  values: Record<string, string>;
  at: number;
}

async function submitOne(http: VaultHttp, n: number): Promise<Confirmed | undefined> {
  const { requestId, visitorPath } = await http.create(FORM);
  const submitPath = await http.open(visitorPath);
  const values = { name: `Backup ${n} ${randomBytes(3).toString('hex')}`, pan: '4111111111111111' };
  return (await http.submit(submitPath, values)) === 200 ? { requestId, values, at: Date.now() } : undefined;
}

describe('backup under load, restore into a fresh vault', () => {
  const masterKey = randomBytes(32).toString('base64');
  const source = { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: masterKey };
  const target = { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: masterKey };
  const backupFile = path.join(tempDir(), 'vault-backup.sqlite');
  let running: VaultProcess | undefined;

  beforeAll(() => ensureVaultBuilt());
  afterAll(async () => {
    await running?.stop();
    for (const dir of [source.VAULT_DATA_DIR, target.VAULT_DATA_DIR, path.dirname(backupFile)]) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads back every value confirmed before the backup, and the audit chain verifies', async () => {
    const apiKey = addSiteByCli('acme', source);
    running = await VaultProcess.start(source);
    const http = new VaultHttp(running.url, apiKey);
    const confirmed: Confirmed[] = [];
    let n = 0;
    for (let i = 0; i < 20; i += 1) confirmed.push((await submitOne(http, (n += 1))) as Confirmed);

    let loading = true;
    const load = Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (loading) {
          const done = await submitOne(http, (n += 1));
          if (done) confirmed.push(done);
        }
      }),
    );
    await sleep(500);
    const startedAt = Date.now();
    const backup = await vaultCliAsync(['backup', backupFile], source);
    const endedAt = Date.now();
    const submittedDuringBackup = confirmed.filter((c) => c.at >= startedAt && c.at <= endedAt).length;
    await sleep(300);
    loading = false;
    await load;
    expect(backup.stderr).toMatch(/master key, which is not in it/);
    expect(backup.status).toBe(0);
    // The load really ran beside the backup (the CLI is a separate process).
    expect(submittedDuringBackup).toBeGreaterThan(0);
    const report = JSON.parse(backup.stdout) as { bytes: number; pages: number; ms: number };
    expect(report.bytes).toBe(fs.statSync(backupFile).size);
    expect(fs.statSync(backupFile).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(`${backupFile}.partial`)).toBe(false);
    await running.stop();
    running = undefined;
    const before = confirmed.filter((c) => c.at < startedAt);

    const wrongKey = vaultCli(['restore', backupFile], {
      ...target,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stderr).toMatch(/master key does not open the keys of site "acme"/);
    expect(fs.readdirSync(target.VAULT_DATA_DIR)).toEqual([]);
    // Into a data dir that did not exist, nor its parents: a refused restore leaves none behind.
    const newDir = path.join(tempDir(), 'not-yet');
    const refusedNew = vaultCli(['restore', backupFile], {
      VAULT_DATA_DIR: path.join(newDir, 'nor', 'this'),
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    expect(refusedNew.status).toBe(1);
    expect(fs.existsSync(newDir)).toBe(false);
    // A backup into a directory that is not there says so.
    const nowhere = vaultCli(['backup', path.join(newDir, 'b.sqlite')], source);
    expect({ status: nowhere.status, stdout: nowhere.stdout }).toEqual({ status: 1, stdout: '' });
    expect(nowhere.stderr).toContain(`vault:cli: ${newDir} does not exist: create it, or choose another place.`);

    // Another restore's partial copy in the way: refused, and that file is left to its owner.
    const inTheWay = path.join(target.VAULT_DATA_DIR, 'vault.sqlite.restoring');
    fs.writeFileSync(inTheWay, 'another restore');
    expect(vaultCli(['restore', backupFile], target).status).toBe(1);
    expect(fs.readFileSync(inTheWay, 'utf8')).toBe('another restore');
    fs.rmSync(inTheWay);

    const restored = vaultCli(['restore', backupFile], target);
    expect(restored.status).toBe(0);
    expect(JSON.parse(restored.stdout)).toEqual({
      restored: path.join(target.VAULT_DATA_DIR, 'vault.sqlite'),
      sites: 1,
    });
    const again = vaultCli(['restore', backupFile], target);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already a vault/);

    running = await VaultProcess.start(target);
    const restoredHttp = new VaultHttp(running.url, apiKey);
    for (const c of before) {
      expect(await restoredHttp.reveal(c.requestId)).toEqual({ status: 200, values: c.values });
    }
    await running.stop();
    running = undefined;
    const verified = vaultCli(['audit', 'verify'], target);
    expect(verified.status).toBe(0);
    console.log(
      `backup under load (${WORKERS} visitors submitting, ${submittedDuringBackup} submits confirmed while it ran): ` +
        `${report.bytes} bytes, ${report.pages} pages in ${report.ms} ms; ${before.length} earlier submits read back after restore`,
    );
  });

  it('a vault on PostgreSQL is pointed at pg_dump', () => {
    // --init skips the look for an existing vault: the answer comes before any connection.
    const result = vaultCli(['backup', path.join(tempDir(), 'x'), '--init'], {
      VAULT_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test?schema=vt_none',
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/vault:cli: The vault is on PostgreSQL: back it up with pg_dump/);
  });
});
