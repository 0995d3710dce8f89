import {
  DEFAULT_DIALOG_LIFETIME_MINUTES,
  DEFAULT_VAULT_TIMEOUT_MS,
  dialogLifetimeOf,
  parseRoles,
  SETTINGS,
  toAppConfig,
  vaultTimeoutOf,
} from '../../src/settings/settings';
import { vaultSettingProblems } from '../../src/settings/vault-settings-check';

describe('settings', () => {
  it('turns blanks and nonsense into safe defaults', () => {
    const config = toAppConfig(
      (id) =>
        (
          ({
            vault_url: ' https://vault.example.com/ ',
            vault_timeout_ms: 'soon',
            dialog_lifetime_minutes: '0',
            sender_roles: '',
          }) as Record<string, unknown>
        )[id],
    );
    expect(config).toMatchObject({
      vaultUrl: 'https://vault.example.com',
      vaultTimeoutMs: DEFAULT_VAULT_TIMEOUT_MS,
      dialogLifetimeMs: DEFAULT_DIALOG_LIFETIME_MINUTES * 60000,
      senderRoles: [],
      managersMayView: false,
      enabledBuiltins: ['card_payment', 'cvv_only', 'ssn', 'security_question'],
    });
  });

  it('reads roles separated by commas (a role name may hold spaces), and disabled built-in forms', () => {
    expect(parseRoles(' livechat-agent,Payments team ,\nlivechat-manager  admin,, ')).toEqual([
      'livechat-agent',
      'Payments team',
      'livechat-manager  admin',
    ]);
    expect(toAppConfig((id) => (id === 'builtin_ssn' ? false : undefined)).enabledBuiltins).toEqual([
      'card_payment',
      'cvv_only',
      'security_question',
    ]);
  });

  it('defaults to livechat agents sending, managers not viewing, and a hidden API key', () => {
    const byId = (id: string) => SETTINGS.find((s) => s.id === id);
    expect(byId('sender_roles')?.packageValue).toBe('livechat-agent');
    expect(byId('managers_may_view')?.packageValue).toBe(false);
    expect(byId('vault_api_key')?.type).toBe('password');
    expect(byId('form_catalog')?.type).toBe('code');
  });

  it('views strictly unless the admin explicitly chose in-chat viewing; ID&V by notice; managers see no value', () => {
    const byId = (id: string) => SETTINGS.find((s) => s.id === id);
    expect(byId('viewing_mode')?.packageValue).toBe('strict');
    expect(byId('idv_answer_delivery')?.packageValue).toBe('notice');
    expect(byId('managers_may_view_values')?.packageValue).toBe(false);
    const config = (values: Record<string, unknown>) => toAppConfig((id) => values[id]);
    expect(config({})).toMatchObject({
      viewingMode: 'strict',
      idvAnswerDelivery: 'notice',
      managersMayViewValues: false,
    });
    // A blank or unknown value must never widen PCI scope.
    expect(config({ viewing_mode: '' }).viewingMode).toBe('strict');
    expect(config({ viewing_mode: 'modal' }).viewingMode).toBe('strict');
    expect(config({ viewing_mode: 'in_chat' }).viewingMode).toBe('in_chat');
    expect(config({ idv_answer_delivery: 'viewer', managers_may_view_values: 'true' })).toMatchObject({
      idvAnswerDelivery: 'viewer',
      managersMayViewValues: false,
    });
  });

  it('waits at most 25 s for the vault, under the 30 s Rocket.Chat gives a call, and says what it did with garbage', () => {
    expect(vaultTimeoutOf(undefined)).toEqual({ ms: DEFAULT_VAULT_TIMEOUT_MS });
    expect(vaultTimeoutOf('')).toEqual({ ms: DEFAULT_VAULT_TIMEOUT_MS });
    expect(vaultTimeoutOf(8000)).toEqual({ ms: 8000 });
    expect(vaultTimeoutOf(' 25000 ')).toEqual({ ms: 25000 });
    expect(vaultTimeoutOf(60000)).toEqual({
      ms: 25000,
      problem: 'the Vault timeout setting is above 25000 (Rocket.Chat cuts a call into an app at 30 s): 25000 is used',
    });
    for (const garbage of ['-5', 'abc', '1e12', 499, 2.5])
      expect(vaultTimeoutOf(garbage)).toEqual({
        ms: DEFAULT_VAULT_TIMEOUT_MS,
        problem: `the Vault timeout setting is not a whole number of milliseconds from 500 to 25000: ${DEFAULT_VAULT_TIMEOUT_MS} is used`,
      });
  });

  it('keeps an opened dialog sendable from a minute to a day, and says what it did with the rest', () => {
    expect(dialogLifetimeOf(undefined)).toEqual({ minutes: 30 });
    expect(dialogLifetimeOf(' 1440 ')).toEqual({ minutes: 1440 });
    expect(dialogLifetimeOf(1)).toEqual({ minutes: 1 });
    expect(dialogLifetimeOf(10080)).toEqual({
      minutes: 1440,
      problem: 'the Dialog lifetime setting is above 1440: 1440 is used',
    });
    for (const garbage of ['0', 'an hour', 2.5, -1])
      expect(dialogLifetimeOf(garbage)).toEqual({
        minutes: 30,
        problem: 'the Dialog lifetime setting is not a whole number of minutes from 1 to 1440: 30 is used',
      });
    expect(toAppConfig((id) => (id === 'dialog_lifetime_minutes' ? 10080 : undefined)).dialogLifetimeMs).toBe(
      1440 * 60000,
    );
    expect(
      vaultSettingProblems({ vault_url: 'https://v', vault_api_key: 'k', dialog_lifetime_minutes: 'soon' }),
    ).toEqual(['the Dialog lifetime setting is not a whole number of minutes from 1 to 1440: 30 is used']);
  });

  it('names each vault setting that keeps the app from the vault, and never its value', () => {
    const good = { vault_url: 'https://vault.example.com', vault_api_key: 'k3y', site_id: 'chat-example' };
    expect(vaultSettingProblems(good)).toEqual([]);
    expect(vaultSettingProblems({})).toEqual(['the Vault URL setting is empty', 'the Vault API key setting is empty']);
    const problems = vaultSettingProblems({
      vault_url: 'javascript:alert(1)',
      vault_api_key: 'k3y\nsecret',
      site_id: 'sïte',
      callback_base_url: 'https://chat example',
      vault_timeout_ms: 'soon',
    });
    expect(problems).toEqual([
      'the Vault URL setting is not an http(s) URL',
      'the Vault API key setting holds a space, a line break or a character outside ASCII',
      'the Site ID setting holds a space, a line break or a character outside ASCII',
      'the Rocket.Chat URL for the vault setting is not an http(s) URL',
      `the Vault timeout setting is not a whole number of milliseconds from 500 to 25000: ${DEFAULT_VAULT_TIMEOUT_MS} is used`,
    ]);
    expect(problems.join(' ')).not.toMatch(/secret|alert|sïte/);
  });

  it('flags a URL no browser can open, an overlong API key and a site ID the vault would not make', () => {
    const good = { vault_api_key: 'k3y', site_id: 'chat-example' };
    for (const url of ['http://[::1', 'http://vault:65536', 'http://vault:0', 'http://vault:', 'http://[vault]'])
      expect([url, vaultSettingProblems({ ...good, vault_url: url })]).toEqual([
        url,
        ['the Vault URL setting is not an http(s) URL'],
      ]);
    for (const url of ['http://[::1]:8200', 'https://vault.example.com:65535/idv', 'http://127.0.0.1:8200'])
      expect([url, vaultSettingProblems({ ...good, vault_url: url })]).toEqual([url, []]);
    expect(vaultSettingProblems({ ...good, vault_url: 'https://v', callback_base_url: 'https://chat:99999' })).toEqual([
      'the Rocket.Chat URL for the vault setting is not an http(s) URL',
    ]);

    const longKey = `ivk.${'a'.repeat(100_000)}`;
    const problems = vaultSettingProblems({ vault_url: 'https://v', vault_api_key: longKey, site_id: '../chat' });
    expect(problems).toEqual([
      'the Vault API key setting is longer than any vault API key (256 characters)',
      "the Site ID setting is not a vault site ID (up to 64 letters, digits, '.', '_' and '-', starting with a letter or digit)",
    ]);
    expect(vaultSettingProblems({ ...good, vault_url: 'https://v', vault_api_key: 'k'.repeat(256) })).toEqual([]);
    expect(vaultSettingProblems({ ...good, vault_url: 'https://v', site_id: 's'.repeat(65) })).toHaveLength(1);
    expect(vaultSettingProblems({ ...good, vault_url: 'https://v', site_id: '' })).toEqual([]);
  });

  it('reads a value of the wrong kind as its setting default, never as something wider', () => {
    const config = toAppConfig(
      (id) =>
        ({
          sender_roles: 42,
          builtin_ssn: 'false',
          managers_may_view: 'true',
          viewing_mode: 'IN_CHAT',
          visitor_language: 'xx',
          form_catalog: { forms: [] },
        })[id],
    );
    expect(config.senderRoles).toEqual(['livechat-agent']);
    expect(config.enabledBuiltins).toContain('ssn');
    expect(config.managersMayView).toBe(false);
    expect(config.viewingMode).toBe('strict');
    expect(config.visitorLanguage).toBe('');
    expect(config.formCatalog).toBe('');
  });
});
