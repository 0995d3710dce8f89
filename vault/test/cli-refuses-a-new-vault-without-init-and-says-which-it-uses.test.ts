/**
 * The CLI works on the server's vault, never on a new one by accident: pointed at an empty data
 * dir or schema it refuses unless `--init`, and it always says which database it uses. Usage and
 * mistakes get one clear line, not a stack.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { requirePostgres, TestSchema } from './helpers/backends';
import { cliInProcess, vaultCli } from './helpers/processes';
import { tempDir } from './helpers/vault';

const cli = cliInProcess;

describe('vault:cli and the vault it works on', () => {
  it('refuses an empty data dir without --init, creating nothing; says which SQLite file it uses', async () => {
    const dataDir = tempDir();
    const refused = await cli(['site', 'add', 'demo', '--origin', 'http://chat.test'], { VAULT_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.out).toEqual([]);
    expect(refused.err).toEqual([
      `vault:cli: using SQLite ${path.join(dataDir, 'vault.sqlite')} (VAULT_DATA_DIR ${dataDir})`,
      expect.stringMatching(/^vault:cli: no vault here \(there is no .*vault\.sqlite\)\. .*--init/),
    ]);
    expect(fs.readdirSync(dataDir)).toEqual([]);

    const created = await cli(['site', 'add', 'demo', '--origin', 'http://chat.test', '--init'], {
      VAULT_DATA_DIR: dataDir,
    });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out[0])).toMatchObject({ siteId: 'demo' });
    expect(fs.readdirSync(dataDir).sort()).toEqual(expect.arrayContaining(['master.key', 'vault.sqlite']));

    // Without --init from now on: the vault exists.
    expect((await cli(['site', 'list'], { VAULT_DATA_DIR: dataDir })).code).toBe(0);
  });

  it('refuses a database whose dev master key is not there (it would make a new key that opens nothing)', async () => {
    const dataDir = tempDir();
    expect(
      (await cli(['site', 'add', 'demo', '--origin', 'http://chat.test', '--init'], { VAULT_DATA_DIR: dataDir })).code,
    ).toBe(0);
    fs.rmSync(path.join(dataDir, 'master.key'));
    const refused = await cli(['site', 'list'], { VAULT_DATA_DIR: dataDir });
    expect(refused.code).toBe(1);
    expect(refused.err[1]).toMatch(/VAULT_MASTER_KEY is not set and .* has no development key/);
    expect(fs.existsSync(path.join(dataDir, 'master.key'))).toBe(false);
  });

  it('a second "site add demo" is one clear line on stderr and nothing on stdout', async () => {
    const env = { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: randomBytes(32).toString('base64') };
    expect((await cli(['site', 'add', 'demo', '--origin', 'http://chat.test', '--init'], env)).code).toBe(0);
    const again = await cli(['site', 'add', 'demo', '--origin', 'http://chat.test'], env);
    expect(again.code).toBe(1);
    expect(again.out).toEqual([]);
    expect(again.err.slice(1)).toEqual(['vault:cli: Site "demo" already exists.']);
  });

  it('--help prints usage on stdout and exits 0; no arguments print it on stderr and exit 2', () => {
    for (const flag of ['--help', '-h']) {
      const help = vaultCli([flag], {});
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: npm run vault:cli -- <command> \[--init\]/);
      expect(help.stdout).toMatch(/site add <siteId> --origin <url>/);
      expect(help.stderr).toBe('');
    }
    const bare = vaultCli([], {});
    expect(bare.status).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^usage: /);
  });

  describe('on PostgreSQL', () => {
    const schema = new TestSchema();
    beforeAll(requirePostgres);
    afterAll(() => schema.drop());

    it('refuses a schema without a vault unless --init, and names it (without a password)', async () => {
      const env = { VAULT_DATABASE_URL: schema.url(), VAULT_MASTER_KEY: randomBytes(32).toString('base64') };
      const refused = await cli(['site', 'list'], env);
      expect(refused.code).toBe(1);
      expect(refused.err[0]).toMatch(
        new RegExp(`^vault:cli: using PostgreSQL postgres://.*\\(schema ${schema.name}\\)$`),
      );
      expect(refused.err[1]).toMatch(/holds no vault.*--init/);
      expect(await schema.sql("SELECT to_regclass('vault_migrations') AS t")).toEqual([{ t: null }]);

      expect((await cli(['site', 'add', 'demo', '--origin', 'http://chat.test', '--init'], env)).code).toBe(0);
      const listed = await cli(['site', 'list'], env);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.out[0])).toEqual([expect.objectContaining({ siteId: 'demo' })]);
    });
  });
});
