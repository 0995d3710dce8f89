import {
  DEFAULT_DIALOG_LIFETIME_MINUTES,
  DEFAULT_VAULT_TIMEOUT_MS,
  parseRoles,
  SETTINGS,
  toAppConfig,
} from '../../src/settings/settings';

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

  it('reads roles separated by commas or spaces, and disabled built-in forms', () => {
    expect(parseRoles('livechat-agent, livechat-manager  admin')).toEqual([
      'livechat-agent',
      'livechat-manager',
      'admin',
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
});
