/**
 * The app's settings: their definitions (labels and descriptions are i18n keys) and one typed
 * reader, so the rest of the app never handles raw setting values.
 */
import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { SettingType } from '@rocket.chat/apps-engine/definition/settings';

import type { BuiltinFormId } from '../forms/builtin-forms';
import { SUPPORTED_LOCALES } from '../i18n/i18n';
import type { BuiltinDetectorId } from '../redaction/detectors';
import { parseWholeNumber } from '../lib/validation';
import { asDeclared } from './setting-kinds';
import { withoutTrailing } from '../vault/contract';
import { LONGEST_VAULT_WAIT_MS } from '../vault/vault-client';

export const SettingId = {
  VaultUrl: 'vault_url',
  VaultApiKey: 'vault_api_key',
  SiteId: 'site_id',
  CallbackBaseUrl: 'callback_base_url',
  VaultTimeoutMs: 'vault_timeout_ms',
  SenderRoles: 'sender_roles',
  ManagersMayView: 'managers_may_view',
  ViewingMode: 'viewing_mode',
  IdvAnswerDelivery: 'idv_answer_delivery',
  ManagersMayViewValues: 'managers_may_view_values',
  BuiltinCardPayment: 'builtin_card_payment',
  BuiltinCvvOnly: 'builtin_cvv_only',
  BuiltinSsn: 'builtin_ssn',
  BuiltinSecurityQuestion: 'builtin_security_question',
  FormCatalog: 'form_catalog',
  VisitorLanguage: 'visitor_language',
  DialogLifetimeMinutes: 'dialog_lifetime_minutes',
  MaskCards: 'mask_cards',
  MaskCvv: 'mask_cvv',
  MaskSsn: 'mask_ssn',
  MaskIban: 'mask_iban',
  MaskEmail: 'mask_email',
  MaskPhone: 'mask_phone',
  MaskingRules: 'masking_rules',
  MaskingNotices: 'masking_notices',
} as const;

export const DEFAULT_VAULT_TIMEOUT_MS = 5000;
const MIN_VAULT_TIMEOUT_MS = 500;
const MAX_VAULT_TIMEOUT_MS = LONGEST_VAULT_WAIT_MS;
export const DEFAULT_DIALOG_LIFETIME_MINUTES = 30;
const MAX_DIALOG_LIFETIME_MINUTES = 24 * 60;
/**
 * How an agent sees submitted values. `strict` (the default): a single-use link to the vault's own
 * viewer page, so Rocket.Chat never carries a value. `in_chat`: the app fetches them and shows a
 * modal, which puts Rocket.Chat (server, app runtime, websockets) in PCI scope.
 */
export type ViewingMode = 'strict' | 'in_chat';
/** Where an ID&V answer goes: the private notice "Visitor entered: 7 and 3", or the viewer. */
export type IdvAnswerDelivery = 'notice' | 'viewer';
/** The choices, the default first. */
export const VIEWING_MODES: readonly ViewingMode[] = ['strict', 'in_chat'];
export const IDV_ANSWER_DELIVERIES: readonly IdvAnswerDelivery[] = ['notice', 'viewer'];

/** Roles that count as managers for "managers may see request states". */
export const MANAGER_ROLES: readonly string[] = ['livechat-manager', 'livechat-monitor', 'admin'];

/**
 * The built-in detectors of sensitive data typed into the chat, each behind a switch: on by default
 * for what no support chat needs in clear (cards, security codes, SSNs, IBANs), off for what most do.
 */
const MASKING_DETECTOR_SETTINGS: ReadonlyArray<[string, BuiltinDetectorId, boolean]> = [
  [SettingId.MaskCards, 'card', true],
  [SettingId.MaskCvv, 'cvv', true],
  [SettingId.MaskSsn, 'ssn', true],
  [SettingId.MaskIban, 'iban', true],
  [SettingId.MaskEmail, 'email', false],
  [SettingId.MaskPhone, 'phone', false],
];

export interface MaskingSettings {
  detectors: BuiltinDetectorId[];
  /** The admin's rules, as typed (src/redaction/admin-rules.ts has the format). */
  rules: string;
  /** Tell the visitor and the agent when a visitor's message was masked. */
  notices: boolean;
}

const BUILTIN_SETTINGS: ReadonlyArray<[string, BuiltinFormId]> = [
  [SettingId.BuiltinCardPayment, 'card_payment'],
  [SettingId.BuiltinCvvOnly, 'cvv_only'],
  [SettingId.BuiltinSsn, 'ssn'],
  [SettingId.BuiltinSecurityQuestion, 'security_question'],
];

function setting(id: string, type: SettingType, packageValue: unknown, extra: Partial<ISetting> = {}): ISetting {
  return {
    id,
    type,
    packageValue,
    required: false,
    public: false,
    i18nLabel: `setting_${id}_label`,
    i18nDescription: `setting_${id}_description`,
    ...extra,
  };
}

export const SETTINGS: readonly ISetting[] = [
  setting(SettingId.VaultUrl, SettingType.STRING, '', {
    required: true,
    section: 'settings_section_vault',
    i18nPlaceholder: 'setting_vault_url_placeholder',
  }),
  setting(SettingId.VaultApiKey, SettingType.PASSWORD, '', { required: true, section: 'settings_section_vault' }),
  setting(SettingId.SiteId, SettingType.STRING, '', { required: true, section: 'settings_section_vault' }),
  setting(SettingId.CallbackBaseUrl, SettingType.STRING, '', { section: 'settings_section_vault' }),
  setting(SettingId.VaultTimeoutMs, SettingType.NUMBER, DEFAULT_VAULT_TIMEOUT_MS, {
    section: 'settings_section_vault',
  }),
  setting(SettingId.SenderRoles, SettingType.STRING, 'livechat-agent', { section: 'settings_section_access' }),
  setting(SettingId.ManagersMayView, SettingType.BOOLEAN, false, { section: 'settings_section_access' }),
  setting(SettingId.ViewingMode, SettingType.SELECT, VIEWING_MODES[0], {
    section: 'settings_section_viewing',
    values: VIEWING_MODES.map((mode) => ({ key: mode, i18nLabel: `setting_viewing_mode_${mode}` })),
  }),
  setting(SettingId.IdvAnswerDelivery, SettingType.SELECT, IDV_ANSWER_DELIVERIES[0], {
    section: 'settings_section_viewing',
    values: IDV_ANSWER_DELIVERIES.map((way) => ({ key: way, i18nLabel: `setting_idv_answer_delivery_${way}` })),
  }),
  setting(SettingId.ManagersMayViewValues, SettingType.BOOLEAN, false, { section: 'settings_section_viewing' }),
  ...BUILTIN_SETTINGS.map(([id]) => setting(id, SettingType.BOOLEAN, true, { section: 'settings_section_forms' })),
  setting(SettingId.FormCatalog, SettingType.CODE, '', { section: 'settings_section_forms', multiline: true }),
  setting(SettingId.VisitorLanguage, SettingType.SELECT, '', {
    section: 'settings_section_forms',
    values: [
      { key: '', i18nLabel: 'setting_visitor_language_server' },
      ...SUPPORTED_LOCALES.map((l) => ({ key: l, i18nLabel: `language_${l}` })),
    ],
  }),
  setting(SettingId.DialogLifetimeMinutes, SettingType.NUMBER, DEFAULT_DIALOG_LIFETIME_MINUTES, {
    section: 'settings_section_forms',
  }),
  ...MASKING_DETECTOR_SETTINGS.map(([id, , on]) =>
    setting(id, SettingType.BOOLEAN, on, { section: 'settings_section_masking' }),
  ),
  setting(SettingId.MaskingRules, SettingType.CODE, '', { section: 'settings_section_masking', multiline: true }),
  setting(SettingId.MaskingNotices, SettingType.BOOLEAN, true, { section: 'settings_section_masking' }),
];

/** The masking settings' raw values, read on their own: the message hooks need nothing else. */
export async function readMaskingSettings(read: IRead): Promise<MaskingSettings> {
  const reader = read.getEnvironmentReader().getSettings();
  const ids = [...MASKING_DETECTOR_SETTINGS.map(([id]) => id), SettingId.MaskingRules, SettingId.MaskingNotices];
  const values = await Promise.all(ids.map((id) => reader.getValueById(id)));
  const get = declaredReader((id) => values[ids.indexOf(id)]);
  const rules = get(SettingId.MaskingRules);
  return {
    detectors: MASKING_DETECTOR_SETTINGS.filter(([id, , on]) => (on ? get(id) !== false : get(id) === true)).map(
      ([, detector]) => detector,
    ),
    rules: typeof rules === 'string' ? rules : '',
    notices: get(SettingId.MaskingNotices) !== false,
  };
}

export interface AppConfig {
  vaultUrl: string;
  vaultApiKey: string;
  siteId: string;
  callbackBaseUrl: string;
  vaultTimeoutMs: number;
  senderRoles: string[];
  managersMayView: boolean;
  viewingMode: ViewingMode;
  idvAnswerDelivery: IdvAnswerDelivery;
  /** Managers may view values of open chats through the vault's viewer, with a reason. */
  managersMayViewValues: boolean;
  enabledBuiltins: BuiltinFormId[];
  formCatalog: string;
  visitorLanguage: string;
  dialogLifetimeMs: number;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** A whole-number setting's range, its default and how its problems name it. */
interface WholeNumberRange {
  setting: string;
  unit: string;
  min: number;
  max: number;
  fallback: number;
  /** Why the most is the most, when it is not obvious. */
  whyMax?: string;
}

/**
 * The number the app uses for what the admin saved, and what is wrong with it: a blank is the
 * default; garbage or too small, the default; too large, the most allowed.
 */
function wholeNumberOf(value: unknown, range: WholeNumberRange): { value: number; problem?: string } {
  const { setting, unit, min, max, fallback, whyMax } = range;
  if (value === undefined || value === null || value === '') return { value: fallback };
  const n = parseWholeNumber(value);
  if (n === undefined || n < min)
    return {
      value: fallback,
      problem: `the ${setting} setting is not a whole number of ${unit} from ${min} to ${max}: ${fallback} is used`,
    };
  if (n > max)
    return {
      value: max,
      problem: `the ${setting} setting is above ${max}${whyMax ? ` (${whyMax})` : ''}: ${max} is used`,
    };
  return { value: n };
}

/** The vault timeout: at most what Rocket.Chat lets a call into an app run, less a margin. */
export function vaultTimeoutOf(value: unknown): { ms: number; problem?: string } {
  const { value: ms, problem } = wholeNumberOf(value, {
    setting: 'Vault timeout',
    unit: 'milliseconds',
    min: MIN_VAULT_TIMEOUT_MS,
    max: MAX_VAULT_TIMEOUT_MS,
    fallback: DEFAULT_VAULT_TIMEOUT_MS,
    whyMax: 'Rocket.Chat cuts a call into an app at 30 s',
  });
  return problem ? { ms, problem } : { ms };
}

/** How long an opened dialog can still be sent: a minute to a day. */
export function dialogLifetimeOf(value: unknown): { minutes: number; problem?: string } {
  const { value: minutes, problem } = wholeNumberOf(value, {
    setting: 'Dialog lifetime',
    unit: 'minutes',
    min: 1,
    max: MAX_DIALOG_LIFETIME_MINUTES,
    fallback: DEFAULT_DIALOG_LIFETIME_MINUTES,
  });
  return problem ? { minutes, problem } : { minutes };
}

/**
 * Comma-separated roles, by name or id, e.g. "livechat-agent, Payments team": a custom role's
 * name may hold spaces (see allowedRoleIds for lists once written with spaces).
 */
export function parseRoles(value: unknown): string[] {
  return text(value)
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Reads each setting through asDeclared: a value of the wrong kind as the setting's default. */
function declaredReader(raw: (id: string) => unknown): (id: string) => unknown {
  return (id) => {
    const declared = SETTINGS.find((each) => each.id === id);
    return declared ? asDeclared(declared, raw(id)) : raw(id);
  };
}

/** Raw setting values → typed configuration, with defaults for blanks, wrong kinds and out-of-range numbers. */
export function toAppConfig(raw: (id: string) => unknown): AppConfig {
  const get = declaredReader(raw);
  return {
    vaultUrl: withoutTrailing(text(get(SettingId.VaultUrl)), '/'),
    vaultApiKey: text(get(SettingId.VaultApiKey)),
    siteId: text(get(SettingId.SiteId)),
    callbackBaseUrl: withoutTrailing(text(get(SettingId.CallbackBaseUrl)), '/'),
    vaultTimeoutMs: vaultTimeoutOf(get(SettingId.VaultTimeoutMs)).ms,
    senderRoles: parseRoles(get(SettingId.SenderRoles)),
    managersMayView: get(SettingId.ManagersMayView) === true,
    // Anything but the explicit choice means strict: a blank or unknown value must not widen PCI scope.
    viewingMode: get(SettingId.ViewingMode) === 'in_chat' ? 'in_chat' : 'strict',
    idvAnswerDelivery: get(SettingId.IdvAnswerDelivery) === 'viewer' ? 'viewer' : 'notice',
    managersMayViewValues: get(SettingId.ManagersMayViewValues) === true,
    enabledBuiltins: BUILTIN_SETTINGS.filter(([id]) => get(id) !== false).map(([, form]) => form),
    formCatalog: typeof get(SettingId.FormCatalog) === 'string' ? (get(SettingId.FormCatalog) as string) : '',
    visitorLanguage: text(get(SettingId.VisitorLanguage)),
    dialogLifetimeMs: dialogLifetimeOf(get(SettingId.DialogLifetimeMinutes)).minutes * 60000,
  };
}

/** Every setting's raw value, as the admin saved it. */
export async function readSettingValues(read: IRead): Promise<{ [id: string]: unknown }> {
  const reader = read.getEnvironmentReader().getSettings();
  const values: { [id: string]: unknown } = {};
  await Promise.all(
    SETTINGS.map(async (s) => {
      values[s.id] = await reader.getValueById(s.id);
    }),
  );
  return values;
}

export async function readAppConfig(read: IRead): Promise<AppConfig> {
  const values = await readSettingValues(read);
  return toAppConfig((id) => values[id]);
}
