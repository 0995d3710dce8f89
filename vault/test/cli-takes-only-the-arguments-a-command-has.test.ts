/**
 * The CLI refuses an argument its command does not take before it opens the vault: `purge
 * --dry-run` and `site remove demo --dry-run` ran for real, as the flag was ignored. Files named on
 * the command line are read and written where the admin ran npm, not in vault/ where npm runs the
 * script.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cliInProcess } from './helpers/processes';
import { tempDir } from './helpers/vault';

const cli = cliInProcess;

describe('vault:cli arguments', () => {
  let env: Record<string, string>;

  beforeEach(async () => {
    env = { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: randomBytes(32).toString('base64') };
    expect((await cli(['site', 'add', 'demo', '--origin', 'http://chat.test', '--init'], env)).code).toBe(0);
  });

  const refusals: [string[], RegExp][] = [
    [['site', 'remove', 'demo', '--dry-run'], /site remove: Unknown option '--dry-run'/],
    [['purge', '--dry-run'], /purge: Unknown option '--dry-run'/],
    [['site', 'remove', 'demo', 'other'], /site remove: one argument more than it takes/],
    [['site', 'rekey', '--origin', 'http://x.test', 'demo'], /site rekey: Unknown option '--origin'/],
    [['site', 'add', 'second', '--origin'], /Option '--origin <value>' argument missing/],
    [['site', 'add', 'second', '--origin', ''], /--origin <value> is required/],
    [['site', 'add', 'second'], /--origin <value> is required/],
    [['site', 'brand', 'demo', '--clear=yes'], /site brand: Option '--clear' does not take an argument/],
    [['keys', 'rotate', 'demo'], /keys rotate: one argument more than it takes/],
    [['visitor', 'erase', '--site', 'demo', '--visitor', 'v', '--room', 'r'], /exactly one of --visitor and --room/],
    [['site', 'delete', 'demo'], /unknown command "site delete"/],
    [['visitor', 'erase', '--site', 'demo', '--visitor', 'v1', '--visitor', 'v2'], /--visitor given more than once/],
    [['site', 'brand', 'demo', '--clear', '--clear'], /site brand: --clear given more than once/],
  ];

  it.each(refusals)('%j is refused with usage, exit 2, and changes nothing', async (args, said) => {
    const refused = await cli(args, env);
    expect(refused.code).toBe(2);
    expect(refused.out).toEqual([]);
    expect(refused.err.join('\n')).toMatch(said);
    expect(refused.err.join('\n')).toMatch(/usage: npm run vault:cli/);
    const sites = await cli(['site', 'list'], env);
    expect(JSON.parse(sites.out[0])).toEqual([expect.objectContaining({ siteId: 'demo' })]);
  });

  it('reads and writes the files it is given relative to where npm ran (INIT_CWD)', async () => {
    const where = tempDir();
    const key = await cli(['audit', 'public-key'], env);
    fs.writeFileSync(path.join(where, 'audit.pub'), JSON.parse(key.out[0]).publicKey);
    const verified = await cli(['audit', 'verify', '--public-key', 'audit.pub'], { ...env, INIT_CWD: where });
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out[0])).toMatchObject({ ok: true });

    expect((await cli(['backup', 'copy.sqlite'], { ...env, INIT_CWD: where })).code).toBe(0);
    expect(fs.existsSync(path.join(where, 'copy.sqlite'))).toBe(true);
  });
});
