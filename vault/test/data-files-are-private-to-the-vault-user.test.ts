import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config';
import { startTestVault, tempDir } from './helpers/vault';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('the data dir and its files are readable by the vault user only', () => {
  it('creates the data dir 0700 and vault.sqlite, its WAL and the dev master key 0600', async () => {
    const dataDir = path.join(tempDir(), 'data');
    const config = loadConfig({ VAULT_DATA_DIR: dataDir, VAULT_PUBLIC_URL: 'http://vault.test' });
    const vault = await startTestVault({ config });
    try {
      await vault.call('POST', '/v1/sessions/close', { roomId: 'room-x' });
      expect(mode(dataDir)).toBe(0o700);
      for (const name of ['vault.sqlite', 'vault.sqlite-wal', 'master.key']) {
        expect([name, mode(path.join(dataDir, name))]).toEqual([name, 0o600]);
      }
    } finally {
      await vault.close();
    }
  });

  it('tightens a data dir and database file that were left readable by others', async () => {
    const dataDir = path.join(tempDir(), 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    fs.writeFileSync(path.join(dataDir, 'vault.sqlite'), '');
    fs.chmodSync(path.join(dataDir, 'vault.sqlite'), 0o644);
    const config = loadConfig({
      VAULT_DATA_DIR: dataDir,
      VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
      VAULT_PUBLIC_URL: 'http://vault.test',
    });
    const vault = await startTestVault({ config });
    try {
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path.join(dataDir, 'vault.sqlite'))).toBe(0o600);
    } finally {
      await vault.close();
    }
  });
});
