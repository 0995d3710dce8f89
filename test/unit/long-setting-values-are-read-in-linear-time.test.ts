import { parseAdminRules } from '../../src/redaction/admin-rules';
import { SettingId, toAppConfig } from '../../src/settings/settings';
import { withoutTrailing } from '../../src/vault/contract';

/** Milliseconds `run` takes. */
function timed(run: () => unknown): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('trailing slashes come off a URL in linear time', () => {
  it('trims every trailing slash and nothing else', () => {
    expect(withoutTrailing('https://chat.example.com//', '/')).toBe('https://chat.example.com');
    expect(withoutTrailing('https://chat.example.com', '/')).toBe('https://chat.example.com');
    expect(withoutTrailing('////', '/')).toBe('');
    expect(withoutTrailing('', '/')).toBe('');
    expect(withoutTrailing('a/b/', '/')).toBe('a/b');
    expect(withoutTrailing('YWJj==', '=')).toBe('YWJj');
  });

  it('reads settings that hold a million slashes before another character at once', () => {
    // /\/+$/ took 1.6 s on 40,000 of these (quadratic); a million would have taken about 17 minutes.
    const slashes = `https://vault.example.com${'/'.repeat(1_000_000)}x`;
    const values: { [id: string]: unknown } = {
      [SettingId.VaultUrl]: slashes,
      [SettingId.CallbackBaseUrl]: slashes,
    };
    let vaultUrl = '';
    expect(
      timed(() => {
        vaultUrl = toAppConfig((id) => values[id]).vaultUrl;
      }),
    ).toBeLessThan(500);
    expect(vaultUrl).toBe(slashes);
    expect(toAppConfig((id) => (id === SettingId.VaultUrl ? 'https://v.example.com///' : undefined)).vaultUrl).toBe(
      'https://v.example.com',
    );
  });
});

describe("an admin rule's label replacement is matched in linear time", () => {
  it('takes "label <text>" and refuses a label broken across lines, however many spaces come first', () => {
    expect(parseAdminRules('r | label [member ID] | both | M\\d{7}').rules).toHaveLength(1);
    const spaces = ' '.repeat(200_000);
    let problems = parseAdminRules('').problems;
    expect(
      timed(() => {
        problems = parseAdminRules(`r | label${spaces}a\u2028b | both | M\\d{7}`).problems;
      }),
    ).toBeLessThan(500);
    expect(problems.map((p) => p.code)).toEqual(['replacement']);
  });
});
