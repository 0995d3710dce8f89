/**
 * The PCI DSS 4.0.1 readiness check, as plain functions: what the workspace's own settings, the
 * app's settings and the vault say, judged line by line as pass, fail or cannot tell, each with the
 * requirement it serves and how to fix it. It informs the admin; it never blocks anyone.
 *
 * Setting ids are Rocket.Chat's own (apps/meteor/server/settings/: accounts, omnichannel, logs and
 * file-upload); a value the app cannot read is `undefined` and makes its line "cannot tell", never
 * a pass.
 */

export type Verdict = 'pass' | 'fail' | 'cannot_tell';

export interface ReadinessItem {
  /** Stable id of the line, e.g. `password_length`. */
  id: string;
  /** The PCI DSS 4.0.1 requirement(s) it serves, e.g. "8.3.6". */
  requirement: string;
  title: string;
  verdict: Verdict;
  /** What was found, in the admin's words. */
  found: string;
  /** What to do (for a fail or cannot-tell), or why it is fine. */
  fix: string;
}

/** Rocket.Chat's setting ids the check reads. */
export const SERVER_SETTING_IDS = [
  'Accounts_Password_Policy_Enabled',
  'Accounts_Password_Policy_MinLength',
  'Block_Multiple_Failed_Logins_Enabled',
  'Block_Multiple_Failed_Logins_By_User',
  'Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User',
  'Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes',
  'Accounts_TwoFactorAuthentication_Enabled',
  'Accounts_Default_User_Preferences_idleTimeLimit',
  'Livechat_display_offline_form',
  'Livechat_webhook_on_offline_msg',
  'Livechat_webhookUrl',
  'Log_Level',
  'FileUpload_Enabled',
  'Livechat_fileupload_enabled',
] as const;

export type ServerSettingId = (typeof SERVER_SETTING_IDS)[number];

/** What the vault says about itself (`GET /v1/compliance`), or undefined when it could not be asked. */
export interface VaultPosture {
  auditRetentionDays: number;
  retentionDays: number;
  auditSink: { file: boolean; syslog: boolean };
  publicUrlHttps: boolean;
}

export interface ReadinessInput {
  server: Partial<Record<ServerSettingId, unknown>>;
  app: { viewingMode: string; managersMayViewValues: boolean; vaultUrl: string; masksCards: boolean };
  /** `settingsProblem`: why the app could not call the vault at all; `problem`: why a call failed. */
  vault: { reachable: boolean; posture?: VaultPosture; problem?: string; settingsProblem?: string };
}

const PASSWORD_MIN = 12;
const LOCKOUT_MAX_ATTEMPTS = 10;
const LOCKOUT_MIN_MINUTES = 30;
const AUDIT_MIN_DAYS = 365;
const PASSWORD_PATH = 'Administration › Workspace › Settings › Accounts › Password Policy';
const LOGIN_PATH = 'Administration › Workspace › Settings › Accounts › Login Attempts';
const LIVECHAT_PATH = 'Administration › Workspace › Settings › Omnichannel › Livechat';
const OMNICHANNEL_PATH = 'Administration › Workspace › Settings › Omnichannel';

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function int(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

const unreadable = (ids: string[]) =>
  `The app could not read ${ids.join(', ')} (the app needs the server-setting.read permission).`;

function passwordLength(server: ReadinessInput['server']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const enabled = bool(server.Accounts_Password_Policy_Enabled);
  const min = int(server.Accounts_Password_Policy_MinLength);
  const fix = `${PASSWORD_PATH}: turn on "Enable Password Policy" and set "Minimum Password Length" to ${PASSWORD_MIN} or more. Agents who sign in through LDAP, SAML or OAuth: set it in that identity provider.`;
  if (enabled === undefined || (enabled && min === undefined))
    return {
      verdict: 'cannot_tell',
      found: unreadable(['Accounts_Password_Policy_Enabled', 'Accounts_Password_Policy_MinLength']),
      fix,
    };
  if (!enabled) return { verdict: 'fail', found: 'The password policy is off: any length is accepted.', fix };
  if ((min as number) < PASSWORD_MIN)
    return { verdict: 'fail', found: `The password policy asks for at least ${min} characters.`, fix };
  return {
    verdict: 'pass',
    found: `The password policy asks for at least ${min} characters.`,
    fix: 'Nothing to do (for accounts whose password Rocket.Chat checks).',
  };
}

function lockout(server: ReadinessInput['server']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const enabled = bool(server.Block_Multiple_Failed_Logins_Enabled);
  const byUser = bool(server.Block_Multiple_Failed_Logins_By_User);
  const attempts = int(server.Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User);
  const minutes = int(server.Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes);
  const fix = `${LOGIN_PATH}: turn on "Block failed login attempts" and "By username", set "How many failed attempts until block by user" to ${LOCKOUT_MAX_ATTEMPTS} or fewer and "Time to unblock by user (in minutes)" to ${LOCKOUT_MIN_MINUTES} or more.`;
  if (enabled === undefined || byUser === undefined || attempts === undefined || minutes === undefined)
    return {
      verdict: 'cannot_tell',
      found: unreadable([
        'Block_Multiple_Failed_Logins_Enabled',
        'Block_Multiple_Failed_Logins_By_User',
        'Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User',
        'Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes',
      ]),
      fix,
    };
  if (!enabled || !byUser)
    return { verdict: 'fail', found: 'Accounts are not locked after failed logins (per user).', fix };
  const found = `Accounts lock after ${attempts} failed attempts, for ${minutes} minutes.`;
  if (attempts < 1 || attempts > LOCKOUT_MAX_ATTEMPTS || minutes < LOCKOUT_MIN_MINUTES)
    return { verdict: 'fail', found, fix };
  return { verdict: 'pass', found, fix: 'Nothing to do.' };
}

function idleTimeout(server: ReadinessInput['server']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const idle = int(server.Accounts_Default_User_Preferences_idleTimeLimit);
  return {
    verdict: 'cannot_tell',
    found:
      idle === undefined
        ? 'Rocket.Chat has no setting that ends an idle session.'
        : `Rocket.Chat's idle time limit (${idle} s) only sets a user "away"; it does not end the session or ask for the password again.`,
    fix: "Require re-authentication after 15 minutes idle where the agents' sessions really live: a screen lock on agent workstations, and your identity provider's (SSO) session policy.",
  };
}

function mfa(server: ReadinessInput['server']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const enabled = bool(server.Accounts_TwoFactorAuthentication_Enabled);
  if (enabled === undefined)
    return {
      verdict: 'cannot_tell',
      found: unreadable(['Accounts_TwoFactorAuthentication_Enabled']),
      fix: 'Check that two-factor authentication is on for every agent and manager.',
    };
  if (!enabled)
    return {
      verdict: 'fail',
      found: 'Two-factor authentication is turned off for the workspace.',
      fix: 'Administration › Workspace › Settings › Accounts › Two Factor Authentication: turn it on, and require it of agents (or sign them in through an identity provider that enforces MFA).',
    };
  return {
    verdict: 'cannot_tell',
    found: 'Two-factor authentication is available, but Rocket.Chat lets each user choose whether to use it.',
    fix: 'Make sure every agent and manager who views secure data has it on, or enforce MFA in your identity provider.',
  };
}

/**
 * The offline form (on by default): what a visitor leaves while no agent is online is e-mailed,
 * where this app masks it (IPreEmailSent) while its card rule is on, and, when the workspace says
 * so, sent as typed to the CRM webhook, which no app hook sees.
 */
function offlineForm(
  server: ReadinessInput['server'],
  app: ReadinessInput['app'],
): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const shown = bool(server.Livechat_display_offline_form);
  const webhook = bool(server.Livechat_webhook_on_offline_msg) === true && Boolean(server.Livechat_webhookUrl);
  const fix = `${LIVECHAT_PATH}: turn off "Display offline form" (visitors then wait for an agent, who can send a secure form); or turn off "Send request on offline messages" (Omnichannel › Webhooks) and keep this app's card rule (mask_cards) on.`;
  if (shown === undefined) return { verdict: 'cannot_tell', found: unreadable(['Livechat_display_offline_form']), fix };
  if (!shown)
    return {
      verdict: 'pass',
      found: 'The offline form is off: visitors leave no message outside a chat.',
      fix: 'Nothing to do.',
    };
  if (webhook)
    return {
      verdict: 'fail',
      found:
        'The offline form is on, and each message a visitor leaves in it is sent as typed to the CRM webhook, which no app can mask.',
      fix,
    };
  if (!app.masksCards)
    return {
      verdict: 'fail',
      found: "The offline form is on, and this app's card rule (mask_cards) is off: its e-mails go as typed.",
      fix,
    };
  return {
    verdict: 'pass',
    found:
      'The offline form is on: this app masks what its rules find in the e-mail (and any channel post) of each message a visitor leaves, as in chats.',
    fix: 'Nothing to do. The offline mailbox still receives what no rule finds: tell visitors in the form\'s "Instructions" never to type card data.',
  };
}

/**
 * The widget takes a visitor's file only while both settings are on (Rocket.Chat's
 * `livechat/upload/:rid` route), and no app sees a file's bytes before Rocket.Chat stores it.
 */
function livechatUploads(server: ReadinessInput['server']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const everywhere = bool(server.FileUpload_Enabled);
  const inLivechat = bool(server.Livechat_fileupload_enabled);
  const otherChannels = 'SMS and WhatsApp integrations bring pictures by their own routes: check theirs.';
  const fix = `${OMNICHANNEL_PATH}: turn off "File Upload" for livechat (or turn off uploads for the whole workspace in File Upload), and ask visitors for card data only with a secure form. ${otherChannels}`;
  if (everywhere === false || inLivechat === false)
    return {
      verdict: 'pass',
      found: 'Visitors cannot upload files in the livechat widget.',
      fix: `Nothing to do for the widget. ${otherChannels}`,
    };
  if (everywhere === undefined || inLivechat === undefined)
    return { verdict: 'cannot_tell', found: unreadable(['FileUpload_Enabled', 'Livechat_fileupload_enabled']), fix };
  return {
    verdict: 'fail',
    found:
      'Visitors can upload files in the livechat widget, and Rocket.Chat stores each file as sent: no app sees its bytes, so a picture of a card would be kept whole.',
    fix,
  };
}

/**
 * Rocket.Chat's own log: at its debug level it writes what no app hook sees (webhook bodies,
 * visitors' custom fields, pages they visit) as they came. Errors and information only are fine.
 */
function serverLog(server: ReadinessInput['server']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const level = typeof server.Log_Level === 'string' ? server.Log_Level : undefined;
  const fix =
    'Administration › Workspace › Settings › Logs: set "Log Level" to "0 Errors Only" or "1 Errors and Information", and leave the environment variables LOG_METHOD_PAYLOAD, LOG_REST_PAYLOAD and LOG_REST_METHOD_PAYLOADS unset (they log what requests carry, as sent).';
  if (level === undefined) return { verdict: 'cannot_tell', found: unreadable(['Log_Level']), fix };
  if (level === '2')
    return {
      verdict: 'fail',
      found:
        "Rocket.Chat logs at its debug level, which writes webhook bodies, visitors' custom fields and the pages they visit as they came, out of any app's reach.",
      fix,
    };
  return {
    verdict: 'pass',
    found: `Rocket.Chat's "Log Level" is ${level}: no debug entries.`,
    fix: 'Nothing to do. Leave the environment variables LOG_METHOD_PAYLOAD, LOG_REST_PAYLOAD and LOG_REST_METHOD_PAYLOADS unset: they log what requests carry, as sent.',
  };
}

function strictViewing(app: ReadinessInput['app']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  return app.viewingMode === 'strict'
    ? {
        verdict: 'pass',
        found:
          "Strict viewing: agents read values on the vault's own page; Rocket.Chat carries only links and masked text.",
        fix: 'Nothing to do. Rocket.Chat is still connected to the cardholder data environment: secure it as such.',
      }
    : {
        verdict: 'fail',
        found: 'In-chat viewing: values cross the Rocket.Chat server, its app runtime and websockets.',
        fix: 'App settings › Viewing: choose strict viewing, or bring the whole Rocket.Chat deployment into your PCI DSS scope.',
      };
}

function managerValues(app: ReadinessInput['app']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  return app.managersMayViewValues
    ? {
        verdict: 'cannot_tell',
        found: "Managers may view values (with a reason, each view audited), where the vault's operator allows it.",
        fix: 'Confirm that every manager and monitor has a business need to see card data (least privilege), or turn "Managers may view values" off.',
      }
    : { verdict: 'pass', found: 'Only the agent who asked can view values.', fix: 'Nothing to do.' };
}

function transport(
  app: ReadinessInput['app'],
  vault: ReadinessInput['vault'],
): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const appHttps = /^https:\/\//i.test(app.vaultUrl);
  const fix =
    'Serve the vault over HTTPS (TLS 1.2 or later): set VAULT_PUBLIC_URL=https://… on the vault and the Vault URL setting to the https:// address.';
  if (!/^http:\/\//i.test(app.vaultUrl) && !appHttps)
    return { verdict: 'fail', found: 'The Vault URL setting is not an https:// address.', fix };
  // The URL itself is not repeated: an admin may have written a password into it.
  if (!appHttps) return { verdict: 'fail', found: 'The app reaches the vault over plain HTTP (http://).', fix };
  if (!vault.posture)
    return { verdict: 'cannot_tell', found: 'The vault could not be asked for its visitor-facing address.', fix };
  if (!vault.posture.publicUrlHttps)
    return { verdict: 'fail', found: "The visitors' and agents' links (VAULT_PUBLIC_URL) are plain HTTP.", fix };
  return { verdict: 'pass', found: "The app and the vault's links use HTTPS.", fix: 'Nothing to do.' };
}

function reachable(vault: ReadinessInput['vault']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  if (vault.settingsProblem)
    return {
      verdict: 'fail',
      found: `The app cannot call the vault: ${vault.settingsProblem}.`,
      fix: "Fill in the app's Vault URL (https://…), Site ID and Vault API key settings as vault:cli printed them.",
    };
  return vault.reachable
    ? { verdict: 'pass', found: "The vault answered with this workspace's API key.", fix: 'Nothing to do.' }
    : {
        verdict: 'fail',
        found: `The vault did not answer (${vault.problem || 'unknown reason'}).`,
        fix: "Check the app's Vault URL, Site ID and Vault API key settings, and that the vault runs.",
      };
}

function auditRetention(vault: ReadinessInput['vault']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  const fix = `Set VAULT_AUDIT_RETENTION_DAYS on the vault to ${AUDIT_MIN_DAYS} or more (0 keeps everything), and keep three months of it at hand in your log store.`;
  if (!vault.posture) return { verdict: 'cannot_tell', found: 'The vault could not be asked.', fix };
  const days = vault.posture.auditRetentionDays;
  if (days === 0) return { verdict: 'pass', found: 'The vault keeps its audit trail for ever.', fix: 'Nothing to do.' };
  return days >= AUDIT_MIN_DAYS
    ? { verdict: 'pass', found: `The vault keeps its audit trail ${days} days.`, fix: 'Nothing to do.' }
    : { verdict: 'fail', found: `The vault keeps its audit trail only ${days} days.`, fix };
}

function auditReview(vault: ReadinessInput['vault']): Omit<ReadinessItem, 'id' | 'requirement' | 'title'> {
  if (!vault.posture)
    return {
      verdict: 'cannot_tell',
      found: 'The vault could not be asked.',
      fix: "Ship the vault's audit trail to your SIEM (VAULT_AUDIT_SINK_FILE or VAULT_AUDIT_SINK_SYSLOG).",
    };
  const { file, syslog } = vault.posture.auditSink;
  if (file || syslog)
    return {
      verdict: 'pass',
      found: `The vault ships its audit trail as it is written (${[file && 'file', syslog && 'syslog'].filter(Boolean).join(' and ')}).`,
      fix: 'Make sure your SIEM reviews it and alerts on it (e.g. refusals, integrity failures, erasures).',
    };
  return {
    verdict: 'cannot_tell',
    found: 'The vault ships no audit feed of its own; its log carries the signed checkpoints.',
    fix: 'Set VAULT_AUDIT_SINK_FILE or VAULT_AUDIT_SINK_SYSLOG so your SIEM reviews the trail automatically, or pull `vault:cli audit export --since …` on a schedule.',
  };
}

/** Every line of the check, in a fixed order. */
export function evaluateReadiness(input: ReadinessInput): ReadinessItem[] {
  const { server, app, vault } = input;
  return [
    {
      id: 'password_length',
      requirement: '8.3.6',
      title: 'Passwords of at least 12 characters',
      ...passwordLength(server),
    },
    {
      id: 'lockout',
      requirement: '8.3.4',
      title: 'Lock-out after at most 10 failed logins, for at least 30 minutes',
      ...lockout(server),
    },
    {
      id: 'idle_timeout',
      requirement: '8.2.8',
      title: 'Sessions idle for 15 minutes ask for re-authentication',
      ...idleTimeout(server),
    },
    { id: 'mfa', requirement: '8.4.2', title: 'Multi-factor authentication for access to card data', ...mfa(server) },
    {
      id: 'strict_viewing',
      requirement: '3.2 / 12.5.2 (scope)',
      title: 'Card data stays out of Rocket.Chat',
      ...strictViewing(app),
    },
    {
      id: 'manager_values',
      requirement: '7.2.1, 7.2.2',
      title: 'Only those who need it see card data',
      ...managerValues(app),
    },
    {
      id: 'vault_tls',
      requirement: '4.2.1',
      title: 'Card data travels over strong cryptography',
      ...transport(app, vault),
    },
    {
      id: 'offline_form',
      requirement: '4.2.2',
      title: 'No card data sent by e-mail or webhook: the livechat offline form',
      ...offlineForm(server, app),
    },
    {
      id: 'server_log',
      requirement: '3.5.1',
      title: "Rocket.Chat's own log holds no card data",
      ...serverLog(server),
    },
    {
      id: 'livechat_uploads',
      requirement: '3.2.1, 3.3.1',
      title: 'No pictures of cards stored: files visitors upload',
      ...livechatUploads(server),
    },
    { id: 'vault_reachable', requirement: '—', title: 'The vault answers the app', ...reachable(vault) },
    {
      id: 'audit_retention',
      requirement: '10.5.1',
      title: 'Audit trail kept at least 12 months',
      ...auditRetention(vault),
    },
    {
      id: 'audit_review',
      requirement: '10.4.1.1',
      title: 'Audit logs reviewed by automated means',
      ...auditReview(vault),
    },
  ];
}

/** What changes between two runs: the lines whose verdict moved (for notices "only on change"). */
export function fingerprint(items: ReadinessItem[]): string {
  return items.map((item) => `${item.id}=${item.verdict}`).join(';');
}

const MARK: Record<Verdict, string> = { pass: '✅ Pass', fail: '❌ Fail', cannot_tell: '❔ Cannot tell' };

/** The report as Markdown text, one line per item with its fix. */
export function readinessText(items: ReadinessItem[]): string {
  const counts = (v: Verdict) => items.filter((item) => item.verdict === v).length;
  const head = `*PCI DSS 4.0.1 readiness* — ${counts('pass')} pass, ${counts('fail')} fail, ${counts('cannot_tell')} cannot tell. This never blocks agents; you decide.`;
  const lines = items.map(
    (item) =>
      `${MARK[item.verdict]} — *${item.requirement}* ${item.title}\n    Found: ${item.found}\n    ${item.verdict === 'pass' ? '' : 'Fix: '}${item.fix}`,
  );
  return [head, ...lines].join('\n');
}
