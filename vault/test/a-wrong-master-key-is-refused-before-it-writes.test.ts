/**
 * A vault started, or a CLI command that wraps, seals or signs run, with a master key that is not
 * the vault's stops before it writes anything: a key rotated or a site added under the wrong key
 * would fail every submit of its site, and a checkpoint signed with it would break the audit trail
 * for good. Commands that need no key (a lost one's owner may need them) still run. A key that opens some
 * sites' keys is the right one; the sites it cannot open are named in the log.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { openVault } from '../src/open-vault';
import { MasterKey } from '../src/crypto/master-key';
import { SiteService } from '../src/service/sites';
import { addSiteByCli, ensureVaultBuilt, vaultCli } from './helpers/processes';
import { LogCapture, tempDir, testConfig } from './helpers/vault';
import { VAULT_PACKAGE } from '../../testkit/vault-process';

jest.setTimeout(60_000);

const WRONG_KEY_LINE =
  /^vault:cli: configuration error: VAULT_MASTER_KEY: this master key does not open the keys of site "s1"/;

describe('a master key that is not the vault’s', () => {
  const dataDir = tempDir();
  const rightKey = randomBytes(32).toString('base64');
  const wrongKey = randomBytes(32).toString('base64');
  const right = { VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: rightKey };
  const wrong = { VAULT_DATA_DIR: dataDir, VAULT_MASTER_KEY: wrongKey };

  beforeAll(() => {
    ensureVaultBuilt();
    addSiteByCli('s1', right);
  });

  it.each([
    [['keys', 'rotate', '--site', 's1']],
    [['site', 'add', 's2', '--origin', 'http://chat.test']],
    [['audit', 'checkpoint']],
  ])('stops `%j` with exit 1 and a line naming VAULT_MASTER_KEY, without quoting it', (args) => {
    const run = vaultCli(args, wrong);
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: '' });
    // The CLI first says which store it uses, then why it stopped.
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^vault:cli: using SQLite/),
      expect.stringMatching(WRONG_KEY_LINE),
    ]);
    expect(run.stderr).not.toContain(wrongKey);
  });

  it('lets the commands that need no key run: list, erase, export', () => {
    const sites = vaultCli(['site', 'list'], wrong);
    expect(sites.status).toBe(0);
    expect(sites.stdout).toContain('"s1"');
    expect(vaultCli(['visitor', 'erase', '--site', 's1', '--room', 'room-1'], wrong).status).toBe(0);
    expect(vaultCli(['audit', 'export'], wrong).status).toBe(0);
  });

  it('verifying the trail with it fails, and says a wrong key is one reason, not only tampering', () => {
    expect(vaultCli(['audit', 'checkpoint'], right).status).toBe(0);
    const run = vaultCli(['audit', 'verify'], wrong);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/audit chain broken at entry \d+: the head checkpoint at entry \d+ names key/);
    expect(run.stderr).toMatch(/VAULT_MASTER_KEY: if that is not the key the vault signs with, every checkpoint fails/);
    expect(run.stderr).not.toContain(wrongKey);
  });

  it('stops the server with exit 2 and one line', () => {
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: VAULT_PACKAGE,
      env: { PATH: process.env.PATH, ...wrong, VAULT_PORT: '0', VAULT_OPS_PORT: '0' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^vault: configuration error: VAULT_MASTER_KEY: this master key does not open/),
    ]);
  });

  it('left nothing behind: with the right key the trail verifies and the site keeps one key', () => {
    const verified = vaultCli(['audit', 'verify'], right);
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
    const sites = vaultCli(['site', 'list'], right);
    expect(sites.status).toBe(0);
    expect(sites.stdout).toContain('"s1"');
    expect(sites.stdout).not.toContain('"s2"');
    expect(vaultCli(['keys', 'rotate', '--site', 's1'], right).status).toBe(0);
  });
});

describe('a master key that opens some sites’ keys', () => {
  it('opens the vault and names the sites whose active key it cannot open', async () => {
    const config = testConfig({ VAULT_DATA_DIR: tempDir() });
    const quiet = pino({ level: 'silent' });
    const first = await openVault(config, { logger: quiet });
    try {
      await first.sites.addSite('good', 'http://chat.test');
      await first.sites.addSite('damaged', 'http://chat.test');
      // A rotation run with another master key, as the CLI allowed before this check.
      const elsewhere = new SiteService(first.storage, new MasterKey(randomBytes(32)), first.clock);
      await elsewhere.rotateKey('damaged');
    } finally {
      await first.close();
    }
    const logs = new LogCapture();
    const again = await openVault(config, { logger: pino({ level: 'info' }, logs) });
    await again.close();
    const errors = logs.lines.map((line) => JSON.parse(line)).filter((line) => line.level === 50);
    expect(errors).toEqual([
      expect.objectContaining({ sites: ['damaged'], count: 1, msg: expect.stringMatching(/keys rotate --site/) }),
    ]);
  });
});
