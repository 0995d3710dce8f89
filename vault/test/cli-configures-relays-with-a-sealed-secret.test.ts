/**
 * `vault:cli relay set|list|remove` as a real process: the processor's key comes on stdin, is
 * stored sealed (its bytes appear nowhere in the SQLite file), is never shown again, and each
 * change is audited; bad configs are refused with a line saying why.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tempDir } from './helpers/vault';
import { addSiteByCli, ensureVaultBuilt, vaultCli } from './helpers/processes';

const SECRET = `Bearer sk_test_${randomBytes(12).toString('hex')}`;

describe('vault:cli relay', () => {
  const env = { VAULT_DATA_DIR: tempDir(), VAULT_MASTER_KEY: randomBytes(32).toString('base64') };
  const configFile = path.join(env.VAULT_DATA_DIR, 'relay.json');

  beforeAll(() => {
    ensureVaultBuilt();
    addSiteByCli('acme', env);
  });
  afterAll(() => fs.rmSync(env.VAULT_DATA_DIR, { recursive: true, force: true }));

  function relaySet(args: string[], input: string) {
    const run = spawnSync(process.execPath, ['dist/cli.js', 'relay', 'set', ...args], {
      cwd: path.resolve(__dirname, '..'),
      env: { PATH: process.env.PATH, ...env },
      input,
      encoding: 'utf8',
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('stores the secret sealed, shows only its name, and audits each change', () => {
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        url: 'https://api.stripe.com/v1/payment_intents',
        allowHosts: ['api.stripe.com'],
        template: 'stripe_payment_intent',
      }),
    );
    const set = relaySet(['acme', 'stripe', '--config', configFile, '--secret-header', 'Authorization'], `${SECRET}\n`);
    expect(set.stderr).not.toMatch(/failed|error/i);
    expect(set.status).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({
      relayId: 'stripe',
      secretHeader: 'authorization',
      template: 'form',
    });
    const listed = vaultCli(['relay', 'list', 'acme'], env);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ relayId: 'stripe', secretHeader: 'authorization' }]);
    for (const output of [set.stdout, set.stderr, listed.stdout, listed.stderr]) expect(output).not.toContain(SECRET);
    for (const file of fs.readdirSync(env.VAULT_DATA_DIR)) {
      const bytes = fs.readFileSync(path.join(env.VAULT_DATA_DIR, file));
      expect([file, bytes.includes(Buffer.from(SECRET.slice(7)))]).toEqual([file, false]);
    }
    expect(vaultCli(['relay', 'remove', 'acme', 'stripe'], env).status).toBe(0);
    const removedAgain = vaultCli(['relay', 'remove', 'acme', 'stripe'], env);
    expect(removedAgain.status).toBe(1);
    expect(removedAgain.stderr).toMatch(/has no relay "stripe"/);
    expect(vaultCli(['audit', 'verify'], env).status).toBe(0);
  });

  it('refuses plain HTTP, a host off the allow-list, and a secret on a reserved header', () => {
    const attempt = (config: object, extra: string[] = []) => {
      fs.writeFileSync(configFile, JSON.stringify(config));
      return relaySet(['acme', 'bad', '--config', configFile, ...extra], 'x\n');
    };
    const base = {
      url: 'https://pay.example.com/v1/charges',
      allowHosts: ['pay.example.com'],
      template: 'stripe_payment_intent',
    };
    const http = attempt({ ...base, url: 'http://pay.example.com/v1/charges' });
    expect([http.status, http.stderr]).toEqual([1, expect.stringMatching(/url must be https/) as string]);
    const host = attempt({ ...base, allowHosts: ['other.example.com'] });
    expect(host.stderr).toMatch(/host pay\.example\.com is not in allowHosts/);
    const reserved = attempt(base, ['--secret-header', 'Content-Type']);
    expect(reserved.stderr).toMatch(/cannot be the secret header/);
    expect(JSON.parse(vaultCli(['relay', 'list', 'acme'], env).stdout)).toEqual([]);
  });

  it('names a site it does not have, and a config file it cannot read, as failures (exit 1), not usage', () => {
    const unknown = vaultCli(['relay', 'list', 'acmee'], env);
    expect([unknown.status, unknown.stdout]).toEqual([1, '']);
    expect(unknown.stderr).toMatch(/^vault:cli: There is no site "acmee"\.$/m);
    for (const bad of [`${configFile}.missing`, path.dirname(configFile)]) {
      const unreadable = relaySet(['acme', 'stripe', '--config', bad], 'x\n');
      expect(unreadable.status).toBe(1);
      expect(unreadable.stderr).toMatch(/is not readable JSON \(E(NOENT|ISDIR)/);
      expect(unreadable.stderr).not.toMatch(/usage/i);
    }
    fs.writeFileSync(configFile, '{"url": ');
    expect(relaySet(['acme', 'stripe', '--config', configFile], 'x\n').status).toBe(1);
  });
});
