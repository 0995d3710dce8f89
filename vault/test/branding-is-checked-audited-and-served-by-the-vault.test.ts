/**
 * Per-site branding, set by the vault admin with the CLI: a display name, a logo that must be a real
 * PNG (signature, IHDR, CRCs, pixel data that inflates to its size; bytes and dimensions capped;
 * metadata stripped; never SVG) and an accent colour refused unless its contrast with the page meets
 * WCAG 1.4.3 / 1.4.11. Every change is audited. The vault serves the logo and the colour's stylesheet
 * itself (image/png, text/css, nosniff, the same strict CSP), by content, and the pages say
 * "<Company> secure form"; a site without a brand keeps the neutral pages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { runCli } from '../src/cli/commands';
import { CONTENT_SECURITY_POLICY } from '../src/http/security-headers';
import { normalizeAccentColour, normalizeDisplayName } from '../src/pages/brand';
import { contrastRatio } from '../src/validation/contrast';
import { checkPng, LOGO_MAX_BYTES } from '../src/validation/png';
import { chunk, ihdr, logoPng, PNG_SIGNATURE } from './helpers/png';
import { cardForm, openPage, startTestVault, tempDir, type TestVault } from './helpers/vault';

const IEND = chunk('IEND', Buffer.alloc(0));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a logo must be a PNG the vault can vouch for', () => {
  it('accepts a real PNG and drops its metadata chunks', () => {
    const withText = logoPng(160, 48, [chunk('tEXt', Buffer.from('Author\0Jane Doe, 12 Secret Street', 'latin1'))]);
    const checked = checkPng(withText);
    expect({ width: checked.width, height: checked.height }).toEqual({ width: 160, height: 48 });
    expect(checked.bytes.includes(Buffer.from('Jane Doe'))).toBe(false);
    expect(checked.bytes.equals(logoPng(160, 48))).toBe(true);
  });

  const cases: Array<[string, Buffer, RegExp]> = [
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), /must be a PNG/],
    ['a JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]), /must be a PNG/],
    ['a PNG signature and nothing else', PNG_SIGNATURE, /IHDR|no end/],
    ['a chunk whose checksum is wrong', Buffer.from(logoPng()).fill(0x41, 30, 31), /checksum/],
    ['bytes after IEND', Buffer.concat([logoPng(), Buffer.from('<script>')]), /after its end/],
    ['no IHDR first', Buffer.concat([PNG_SIGNATURE, chunk('IDAT', deflateSync(Buffer.alloc(4))), IEND]), /IHDR/],
    [
      'too wide',
      Buffer.concat([PNG_SIGNATURE, ihdr(4000, 10), chunk('IDAT', deflateSync(Buffer.alloc(10))), IEND]),
      /4000×10 pixels/,
    ],
    [
      'a bit depth PNG does not allow',
      Buffer.concat([PNG_SIGNATURE, ihdr(10, 10, 3, 6), chunk('IDAT', deflateSync(Buffer.alloc(10))), IEND]),
      /standard does not allow/,
    ],
    [
      'pixel data that is no zlib stream',
      Buffer.concat([PNG_SIGNATURE, ihdr(10, 10), chunk('IDAT', Buffer.from('not deflate')), IEND]),
      /cannot be decoded/,
    ],
    [
      'a decompression bomb (10×10 that inflates to 5 MB)',
      Buffer.concat([PNG_SIGNATURE, ihdr(10, 10), chunk('IDAT', deflateSync(Buffer.alloc(5_000_000))), IEND]),
      /cannot be decoded|does not match/,
    ],
    ['more than 64 KiB', Buffer.concat([logoPng(), Buffer.alloc(LOGO_MAX_BYTES)]), /at most 65536 bytes/],
  ];
  it.each(cases)('refuses %s, saying why', (_what, bytes, message) => {
    expect(() => checkPng(bytes)).toThrow(message);
  });
});

describe('the accent colour keeps the page readable', () => {
  it('is measured with the WCAG formula', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#1a4fc4', '#ffffff')).toBeCloseTo(7.0, 0);
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2);
  });

  it('accepts dark colours, normalized', () => {
    expect(normalizeAccentColour('0B5D33')).toBe('#0b5d33');
    expect(normalizeAccentColour('#1a4fc4')).toBe('#1a4fc4');
  });

  it('refuses a light one, naming the contrast, what it is against and the criterion', () => {
    expect(() => normalizeAccentColour('#ffdd00')).toThrow(
      /#ffdd00 is too light for the page: 1\.\d\d:1 against the white text on the Submit button \(#ffffff\), at least 4\.5:1 needed \(WCAG 1\.4\.3\).*WCAG 1\.4\.11/,
    );
    // Enough against white (4.54:1), not against the pale hover background the page also puts under it.
    expect(() => normalizeAccentColour('#767676')).toThrow(/Cancel and Show buttons under the pointer \(#eef3fd\)/);
    expect(() => normalizeAccentColour('red')).toThrow(/hex colour like #1a4fc4/);
  });

  it('comes with a display name of 1 to 60 plain characters', () => {
    expect(normalizeDisplayName('  ACME   Bank ')).toBe('ACME Bank');
    expect(() => normalizeDisplayName(' ')).toThrow(/1 to 60/);
    expect(() => normalizeDisplayName('x'.repeat(61))).toThrow(/1 to 60/);
    expect(() => normalizeDisplayName('ACME\u202eknaB')).toThrow(/text-direction/);
  });
});

describe('site brand (CLI), the files the vault serves and the pages', () => {
  let vault: TestVault;
  let dir: string;

  beforeAll(async () => {
    vault = await startTestVault();
    dir = tempDir();
  });
  afterAll(async () => {
    await vault.close();
  });

  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const env = { VAULT_DATA_DIR: vault.config.dataDir, VAULT_MASTER_KEY: vault.config.masterKey };
    const code = await runCli(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err: err.join('\n') };
  }

  async function formPages(): Promise<{ start: string; form: string }> {
    const created = await vault.call('POST', '/v1/requests', cardForm());
    const visitorUrl = (created.json() as { visitorUrl: string }).visitorUrl;
    const start = await vault.call('GET', new URL(visitorUrl).pathname, undefined, null, { accept: 'text/html' });
    const form = await openPage(vault, visitorUrl);
    expect(form.statusCode).toBe(200);
    return { start: start.body, form: form.body };
  }

  it('keeps neutral pages without a brand', async () => {
    const { start, form } = await formPages();
    for (const body of [start, form]) {
      expect(body).toContain('<p class="badge">Secure page</p>');
      expect(body).not.toContain('/brand/');
      expect(body).not.toContain('secure form</p>');
    }
  });

  it('sets a brand with a logo and a colour, audited; pages show "<Company> secure form"', async () => {
    const file = path.join(dir, 'logo.png');
    fs.writeFileSync(file, logoPng(160, 48, [chunk('tEXt', Buffer.from('Comment\0made by hand', 'latin1'))]));
    const set = await cli(['site', 'brand', 'site-a', '--name', 'ACME Bank', '--accent', '#0B5D33', '--logo', file]);
    expect(set.code).toBe(0);
    const logoSha = sha256(logoPng(160, 48));
    expect(JSON.parse(set.out[0])).toEqual({
      siteId: 'site-a',
      brand: { displayName: 'ACME Bank', accentColour: '#0b5d33', logo: { sha256: logoSha, width: 160, height: 48 } },
    });
    const entries = await vault.app.vault.storage.readAudit(0, 1000);
    expect(entries.filter((e) => e.action === 'site.brand')).toEqual([
      expect.objectContaining({
        siteId: 'site-a',
        actor: 'cli',
        detail: JSON.stringify({ displayName: 'ACME Bank', accentColour: '#0b5d33', logoSha256: logoSha }),
      }),
    ]);

    const { start, form } = await formPages();
    for (const body of [start, form]) {
      expect(body).toContain('<p class="brand__name">\u2068ACME Bank\u2069 secure form</p>');
      expect(body).toContain(
        `<img class="brand__logo" src="/brand/logo-${logoSha}.png" alt="" width="160" height="48">`,
      );
      expect(body).toContain('<link rel="stylesheet" href="/brand/accent-0b5d33.css">');
      expect(body).not.toContain('Secure page');
    }
  });

  it('serves the logo and the stylesheet itself, by content, with the pages’ headers', async () => {
    const logoSha = sha256(logoPng(160, 48));
    const logo = await vault.call('GET', `/brand/logo-${logoSha}.png`, undefined, null);
    expect(logo.statusCode).toBe(200);
    expect(logo.headers['content-type']).toBe('image/png');
    expect(logo.headers['x-content-type-options']).toBe('nosniff');
    expect(logo.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("img-src 'self'");
    expect(logo.rawPayload.equals(logoPng(160, 48))).toBe(true);

    const css = await vault.call('GET', '/brand/accent-0b5d33.css', undefined, null);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe(':root {\n  --accent: #0b5d33;\n  --accent-hover: #094a29;\n}\n');

    for (const url of [
      `/brand/logo-${'0'.repeat(64)}.png`,
      `/brand/logo-${logoSha.toUpperCase()}.png`,
      '/brand/accent-ffdd00.css',
      '/brand/logo.svg',
      '/brand/accent-0b5d33.svg',
    ]) {
      expect({ url, status: (await vault.call('GET', url, undefined, null)).statusCode }).toEqual({ url, status: 404 });
    }
  });

  it('refuses with a clear message and changes nothing: light colour, SVG, too large, unknown site', async () => {
    const svg = path.join(dir, 'logo.svg');
    fs.writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const big = path.join(dir, 'big.png');
    fs.writeFileSync(big, Buffer.concat([logoPng(), Buffer.alloc(LOGO_MAX_BYTES)]));
    const before = (await vault.app.vault.storage.readAudit(0, 1000)).length;
    const light = await cli(['site', 'brand', 'site-a', '--name', 'ACME', '--accent', '#ffdd00']);
    expect(light).toMatchObject({ code: 1, out: [] });
    expect(light.err).toMatch(/vault:cli: The accent colour #ffdd00 is too light for the page: .*WCAG 1\.4\.3/);
    const notPng = await cli(['site', 'brand', 'site-a', '--name', 'ACME', '--logo', svg]);
    expect(notPng.err).toMatch(/vault:cli: The logo must be a PNG file \(SVG, JPEG and other formats are refused\)/);
    const tooBig = await cli(['site', 'brand', 'site-a', '--name', 'ACME', '--logo', big]);
    expect(tooBig.err).toMatch(/at most 65536 bytes/);
    const missing = await cli(['site', 'brand', 'site-a', '--name', 'ACME', '--logo', `${big}.missing`]);
    expect(missing.code).toBe(1);
    expect(missing.err.split('\n').pop()).toBe(`vault:cli: --logo ${big}.missing cannot be read (ENOENT).`);
    const folder = await cli(['site', 'brand', 'site-a', '--name', 'ACME', '--logo', path.dirname(big)]);
    expect(folder.code).toBe(1);
    expect(folder.err.split('\n').pop()).toBe(`vault:cli: --logo ${path.dirname(big)} is not a file.`);
    expect((await cli(['site', 'brand', 'nowhere', '--name', 'ACME'])).code).toBe(1);
    expect((await cli(['site', 'brand', 'site-a'])).code).toBe(2);
    // Clearing and setting at once: which was meant? Neither is done.
    const both = await cli(['site', 'brand', 'site-a', '--name', 'ACME', '--clear']);
    expect(both).toMatchObject({ code: 2, out: [] });
    expect(both.err).toMatch(/--clear takes no --name, --accent or --logo/);
    expect((await vault.app.vault.storage.readAudit(0, 1000)).length).toBe(before);
    expect((await formPages()).form).toContain('\u2068ACME Bank\u2069 secure form');
  });

  it('a brand without logo or colour shows just the name; --clear goes back to neutral, audited', async () => {
    expect((await cli(['site', 'brand', 'site-a', '--name', 'Banco Ñandú'])).code).toBe(0);
    let { form } = await formPages();
    expect(form).toContain('\u2068Banco Ñandú\u2069 secure form');
    expect(form).not.toContain('/brand/');
    const logoSha = sha256(logoPng(160, 48));
    expect((await vault.call('GET', `/brand/logo-${logoSha}.png`, undefined, null)).statusCode).toBe(404);

    expect(await cli(['site', 'brand', 'site-a', '--clear'])).toMatchObject({
      code: 0,
      out: ['{"siteId":"site-a","brand":null}'],
    });
    const last = (await vault.app.vault.storage.readAudit(0, 1000)).pop();
    expect(last).toMatchObject({ action: 'site.brand', detail: JSON.stringify({ cleared: true }) });
    ({ form } = await formPages());
    expect(form).toContain('<p class="badge">Secure page</p>');
  });
});
