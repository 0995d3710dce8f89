/** The readiness check's judgement at its edges (the engine test covers it end to end). */
import type { ReadinessInput } from '../../src/lib/readiness';
import { evaluateReadiness, fingerprint, readinessText } from '../../src/lib/readiness';
import { PCI_HARDENED } from '../fixtures/rocket-chat-settings';

const GOOD: ReadinessInput = {
  server: PCI_HARDENED,
  app: { viewingMode: 'strict', managersMayViewValues: false, vaultUrl: 'https://vault.example.com', masksCards: true },
  vault: {
    reachable: true,
    posture: {
      auditRetentionDays: 365,
      retentionDays: 396,
      auditSink: { file: true, syslog: false },
      publicUrlHttps: true,
    },
  },
};

const verdicts = (input: ReadinessInput) =>
  Object.fromEntries(evaluateReadiness(input).map((item) => [item.id, item.verdict]));

describe('readiness verdicts', () => {
  it('a hardened workspace passes all but what no setting can show', () => {
    expect(verdicts(GOOD)).toEqual({
      password_length: 'pass',
      lockout: 'pass',
      idle_timeout: 'cannot_tell',
      mfa: 'cannot_tell',
      strict_viewing: 'pass',
      manager_values: 'pass',
      vault_tls: 'pass',
      offline_form: 'pass',
      server_log: 'pass',
      livechat_uploads: 'pass',
      vault_reachable: 'pass',
      audit_retention: 'pass',
      audit_review: 'pass',
    });
  });

  it.each([
    [{ Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User: 11 }, 'fail'],
    [{ Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes: 29 }, 'fail'],
    [{ Block_Multiple_Failed_Logins_By_User: false }, 'fail'],
    [{ Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User: undefined }, 'cannot_tell'],
  ])('lock-out %j → %s', (change, verdict) => {
    expect(verdicts({ ...GOOD, server: { ...GOOD.server, ...change } }).lockout).toBe(verdict);
  });

  it('passes the offline form only while its e-mails are masked and no webhook gets them as typed', () => {
    const line = (change: ReadinessInput['server'], masksCards = true) =>
      evaluateReadiness({ ...GOOD, app: { ...GOOD.app, masksCards }, server: { ...GOOD.server, ...change } }).find(
        (i) => i.id === 'offline_form',
      )!;
    expect(line({}).verdict).toBe('pass');
    expect(line({ Livechat_display_offline_form: true })).toMatchObject({
      verdict: 'pass',
      found: expect.stringMatching(/this app masks what its rules find in the e-mail/),
    });
    expect(line({ Livechat_display_offline_form: true }, false)).toMatchObject({
      verdict: 'fail',
      found: expect.stringMatching(/card rule \(mask_cards\) is off/),
    });
    const webhook = line({
      Livechat_display_offline_form: true,
      Livechat_webhook_on_offline_msg: true,
      Livechat_webhookUrl: 'https://crm.example.com/hook?token=s3cr3t',
    });
    expect(webhook).toMatchObject({
      verdict: 'fail',
      found: expect.stringMatching(/CRM webhook, which no app can mask/),
    });
    // The webhook's address may carry a token: the report never quotes it.
    expect(JSON.stringify(webhook)).not.toContain('s3cr3t');
    expect(line({ Livechat_display_offline_form: true, Livechat_webhook_on_offline_msg: true }).verdict).toBe('pass');
    expect(line({ Livechat_display_offline_form: undefined }).verdict).toBe('cannot_tell');
  });

  it.each([
    ['0', 'pass'],
    ['1', 'pass'],
    ['2', 'fail'],
    [undefined, 'cannot_tell'],
  ])("Rocket.Chat's log level %s → %s", (level, verdict) => {
    expect(verdicts({ ...GOOD, server: { ...GOOD.server, Log_Level: level } }).server_log).toBe(verdict);
  });

  it.each([
    [{ Livechat_fileupload_enabled: true }, 'fail'],
    [{ Livechat_fileupload_enabled: true, FileUpload_Enabled: false }, 'pass'],
    // Either setting off closes the widget's upload route, so the other need not be read.
    [{ Livechat_fileupload_enabled: false, FileUpload_Enabled: undefined }, 'pass'],
    [{ Livechat_fileupload_enabled: undefined }, 'cannot_tell'],
    [{ Livechat_fileupload_enabled: true, FileUpload_Enabled: 'yes' }, 'cannot_tell'],
  ])('livechat uploads %j → %s', (change, verdict) => {
    expect(verdicts({ ...GOOD, server: { ...GOOD.server, ...change } }).livechat_uploads).toBe(verdict);
  });

  it('never repeats the Vault URL, which may hold a password', () => {
    for (const vaultUrl of [
      'http://ops:s3cr3t-canary@vault',
      'https://ops:s3cr3t-canary@vault',
      'ftp://s3cr3t-canary',
    ]) {
      const items = evaluateReadiness({ ...GOOD, app: { ...GOOD.app, vaultUrl } });
      expect(items.find((item) => item.id === 'vault_tls')?.verdict).toBe(
        vaultUrl.startsWith('https') ? 'pass' : 'fail',
      );
      expect(readinessText(items)).not.toContain('s3cr3t-canary');
    }
  });

  it('judges the app and the vault', () => {
    expect(verdicts({ ...GOOD, app: { ...GOOD.app, viewingMode: 'in_chat' } }).strict_viewing).toBe('fail');
    expect(verdicts({ ...GOOD, app: { ...GOOD.app, vaultUrl: 'http://vault' } }).vault_tls).toBe('fail');
    const down = verdicts({ ...GOOD, vault: { reachable: false, problem: 'timeout' } });
    expect([down.vault_reachable, down.audit_retention, down.audit_review]).toEqual([
      'fail',
      'cannot_tell',
      'cannot_tell',
    ]);
    const forever = { ...GOOD.vault.posture!, auditRetentionDays: 0 };
    expect(verdicts({ ...GOOD, vault: { reachable: true, posture: forever } }).audit_retention).toBe('pass');
  });

  it('the fingerprint moves only with a verdict', () => {
    const base = fingerprint(evaluateReadiness(GOOD));
    expect(
      fingerprint(evaluateReadiness({ ...GOOD, server: { ...GOOD.server, Accounts_Password_Policy_MinLength: 14 } })),
    ).toBe(base);
    expect(
      fingerprint(evaluateReadiness({ ...GOOD, server: { ...GOOD.server, Accounts_Password_Policy_MinLength: 8 } })),
    ).not.toBe(base);
  });
});
