/**
 * Misconfiguration and misuse get an answer that says what to fix: a vault listening on a
 * non-loopback address must be told its public URL (else visitors' links would read
 * http://0.0.0.0:8200/…), and an API call without a JSON body is told so, naming what it sent.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/errors';
import { ensureVaultBuilt, VAULT_PACKAGE } from '../../testkit/vault-process';
import { startTestVault, tempDir, type TestVault } from './helpers/vault';

describe('VAULT_HOST that is not loopback', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10', 'vault.internal'])(
    '%s without VAULT_PUBLIC_URL is refused, naming the variable',
    (host) => {
      expect(() => loadConfig({ VAULT_HOST: host })).toThrow(ConfigError);
      expect(() => loadConfig({ VAULT_HOST: host })).toThrow(
        /VAULT_PUBLIC_URL: is required when VAULT_HOST \(.+\) is not a loopback address/,
      );
    },
  );

  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])('%s needs none', (host) => {
    expect(loadConfig({ VAULT_HOST: host }).publicUrl).toMatch(/^http:\/\//);
    expect(() => new URL(loadConfig({ VAULT_HOST: host }).publicUrl)).not.toThrow();
  });

  it('an IPv6 address written in brackets, as in a URL, is listened on bare, and linked bracketed', () => {
    const config = loadConfig({ VAULT_HOST: '[::1]', VAULT_PORT: '8200' });
    expect(config.host).toBe('::1');
    expect(config.publicUrl).toBe('http://[::1]:8200');
  });

  it('a host or data dir with a space before or after it, or of spaces only, is refused, naming the variable', () => {
    for (const [name, value] of [
      ['VAULT_HOST', '127.0.0.1 '],
      ['VAULT_HOST', ' '],
      ['VAULT_DATA_DIR', ' '],
      ['VAULT_DATA_DIR', '/tmp/vault-data\n'],
    ]) {
      expect(() => loadConfig({ [name]: value })).toThrow(
        new ConfigError(name, 'has a space before or after it: write the value alone, or leave it unset'),
      );
    }
  });

  it('0.0.0.0 with VAULT_PUBLIC_URL starts with links under that URL', () => {
    expect(loadConfig({ VAULT_HOST: '0.0.0.0', VAULT_PUBLIC_URL: 'https://vault.example.com/' }).publicUrl).toBe(
      'https://vault.example.com',
    );
  });

  it('a public URL under a path is taken; one with a password is refused without quoting it', () => {
    expect(loadConfig({ VAULT_PUBLIC_URL: 'https://example.com/vault/' }).publicUrl).toBe('https://example.com/vault');
    const refuse = () => loadConfig({ VAULT_PUBLIC_URL: 'https://admin:canary-pw@vault.example.com' });
    expect(refuse).toThrow(/^VAULT_PUBLIC_URL: must be the address visitors open/);
    expect(refuse).not.toThrow(/canary-pw/);
  });

  it.each([
    'https://example.com/a;b',
    'https://example.com/a,b',
    "https://example.com/it's",
    // Links are built from the text as written: each of these reads otherwise once parsed.
    'https://example.com//evil.example',
    'https://example.com/a/../vault',
    'https://example.com/vault/.',
    'https://example.com/%zz',
    'https://example.com/a"b',
    'https://example.com/{x}',
    'https://example.com\\evil',
  ])("a public URL whose path could not stand in a cookie's Path or a link (%s) is refused", (url) => {
    expect(() => loadConfig({ VAULT_PUBLIC_URL: url })).toThrow(/^VAULT_PUBLIC_URL: may end in a path of segments/);
  });

  it.each([
    ['VAULT_DATABASE_URL', 'postgres://vault@db.test/vault?schema=a&schema=b', /\?schema= is given 2 times/],
    ['VAULT_DATABASE_URL', 'postgres://vault@db.test/vault?schema=', /\?schema= is empty/],
    ['VAULT_REDIS_URL', 'redis://127.0.0.1:6379/0?prefix=a:&prefix=b:', /\?prefix= is given 2 times/],
    ['VAULT_REDIS_URL', 'redis://127.0.0.1:6379/0?prefix=', /\?prefix= is empty/],
  ])('%s=%s is refused at start-up: it would put the data elsewhere than meant', (variable, url, said) => {
    const env = { [variable]: url, VAULT_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}: ${said.source}`));
  });

  it('a public path of letters, digits, dashes, dots, tildes and escapes is taken', () => {
    const url = 'https://example.com/~chat/v-1.2/%C3%A9';
    expect(loadConfig({ VAULT_PUBLIC_URL: url })).toMatchObject({ publicUrl: url, publicPath: '/~chat/v-1.2/%C3%A9' });
    expect(loadConfig({ VAULT_PUBLIC_URL: 'https://example.com/' }).publicPath).toBe('');
  });

  it('the real process stops with exit 2 and one line naming VAULT_PUBLIC_URL', () => {
    ensureVaultBuilt();
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: VAULT_PACKAGE,
      env: { PATH: process.env.PATH, VAULT_HOST: '0.0.0.0', VAULT_PORT: '0', VAULT_DATA_DIR: tempDir() },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^vault: configuration error: VAULT_PUBLIC_URL: is required/),
    ]);
  });
});

describe('an address the vault cannot listen on', () => {
  let taken: Server;
  let takenPort: number;
  beforeAll(async () => {
    ensureVaultBuilt();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  const start = (env: Record<string, string>) => {
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: VAULT_PACKAGE,
      env: { PATH: process.env.PATH, VAULT_DATA_DIR: tempDir(), VAULT_LOG_LEVEL: 'error', ...env },
      encoding: 'utf8',
      timeout: 20000,
    });
    return { status: run.status, lines: run.stderr.trim().split('\n') };
  };

  it.each([
    ['VAULT_PORT', { VAULT_OPS_PORT: '0' }],
    ['VAULT_OPS_PORT', { VAULT_PORT: '0' }],
  ])('%s taken: exit 2 and one line naming it and the address', (variable, others) => {
    expect(start({ ...others, [variable]: String(takenPort) })).toEqual({
      status: 2,
      lines: [
        `vault: configuration error: ${variable}: 127.0.0.1:${takenPort} is already in use: stop what listens there, or choose another port.`,
      ],
    });
  });

  it('a VAULT_HOST that is not this machine: exit 2 and one line naming VAULT_HOST', () => {
    // 192.0.2.0/24 is TEST-NET-1: documentation only, never a local address.
    const env = { VAULT_HOST: '192.0.2.10', VAULT_PUBLIC_URL: 'https://vault.example.com', VAULT_PORT: '0' };
    expect(start({ ...env, VAULT_OPS_PORT: '0' })).toEqual({
      status: 2,
      lines: ['vault: configuration error: VAULT_HOST: 192.0.2.10 is not an address of this machine.'],
    });
  });
});

describe('a data dir the vault cannot use', () => {
  it.each([
    // Node's own recursive mkdir spins for ever on a path under /proc: the start-up hung, silent.
    ['/proc/nonexistent', 'cannot create /proc/nonexistent (ENOENT)'],
    ['/dev/null', '/dev/null is not a directory'],
  ])('%s: exit 2 at once, and one line naming VAULT_DATA_DIR', (dir, says) => {
    ensureVaultBuilt();
    const run = spawnSync(process.execPath, ['dist/main.js'], {
      cwd: VAULT_PACKAGE,
      env: { PATH: process.env.PATH, VAULT_DATA_DIR: dir, VAULT_PORT: '0', VAULT_OPS_PORT: '0' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect({ status: run.status, lines: run.stderr.trim().split('\n') }).toEqual({
      status: 2,
      lines: [`vault: configuration error: VAULT_DATA_DIR: cannot be the vault's data directory: ${says}`],
    });
  });
});

describe("the vault's workers making a new data dir at once", () => {
  it('all succeed: the one that finds it made meanwhile carries on', async () => {
    ensureVaultBuilt();
    const module = path.join(VAULT_PACKAGE, 'dist', 'private-files.js');
    for (let trial = 0; trial < 3; trial += 1) {
      const dir = path.join(tempDir(), 'a', 'b', 'c', 'd');
      // Each waits, module loaded, for the same moment, so they race for the same levels.
      const script = `const files = require(${JSON.stringify(module)}); const at = ${Date.now() + 1000};
        while (Date.now() < at); files.ensurePrivateDir(${JSON.stringify(dir)});`;
      const runs = await Promise.all(
        Array.from(
          { length: 6 },
          () =>
            new Promise<number | null>((resolve) =>
              spawn(process.execPath, ['-e', script], { stdio: 'ignore' }).on('exit', (code) => resolve(code)),
            ),
        ),
      );
      expect(runs).toEqual([0, 0, 0, 0, 0, 0]);
    }
  });
});

describe('an API call without a JSON body', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(() => vault.close());

  const body = JSON.stringify({
    kind: 'idv',
    roomId: 'r',
    agentId: 'a',
    callbackUrl: 'http://chat.test/x',
    idv: { label: 'PIN', positions: [1, 2] },
  });
  it.each([
    [
      'curl -d (a form)',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'Content-Type application/x-www-form-urlencoded',
    ],
    ['text/plain', { 'content-type': 'text/plain; charset=utf-8' }, 'Content-Type text/plain'],
    ['an unknown type', { 'content-type': 'application/xml' }, 'Content-Type application/xml'],
    ['no Content-Type', {}, 'no Content-Type'],
    ['a Content-Type of only signs', { 'content-type': ';;;===' }, 'a Content-Type that names no media type'],
    [
      'two media types in one Content-Type',
      { 'content-type': 'application/json, text/plain' },
      'a Content-Type that names several media types',
    ],
  ])('%s is told to send JSON, and what it sent', async (_name, headers, said) => {
    const response = await vault.app.inject({
      method: 'POST',
      url: '/v1/requests',
      headers: { authorization: `Bearer ${vault.site.apiKey}`, ...(headers as Record<string, string>) },
      payload: body,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'bad_request',
        message: `Send the body as JSON with Content-Type: application/json (this request had ${said}).`,
      },
    });
  });
});
