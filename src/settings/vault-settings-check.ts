/**
 * Checks the vault connection settings, and the numbers the app bounds (the vault timeout, the
 * dialog lifetime), when an admin saves one. A setting cannot be refused from here, so what is
 * wrong is said where the admin looks: the app's logs. Names the setting and what is wrong, never
 * a value (the API key is a secret).
 */
import type { ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';

import { vaultConnectionProblems } from '../vault/vault-client';
import { isLinkUrl } from '../vault/contract';
import {
  dialogLifetimeOf,
  readSettingValues,
  SettingId,
  toAppConfig,
  vaultTimeoutOf,
  type AppConfig,
} from './settings';

const CHECKED: readonly string[] = [
  SettingId.VaultUrl,
  SettingId.VaultApiKey,
  SettingId.SiteId,
  SettingId.CallbackBaseUrl,
  SettingId.VaultTimeoutMs,
  SettingId.DialogLifetimeMinutes,
];

/**
 * What keeps the app from using the vault, one phrase per setting: the connection settings
 * (vaultConnectionProblems) and the Rocket.Chat URL for the vault, when filled. Checked on saving,
 * before every send and by the readiness check alike.
 */
export function connectionSettingProblems(config: AppConfig): string[] {
  const problems = vaultConnectionProblems({
    baseUrl: config.vaultUrl,
    apiKey: config.vaultApiKey,
    siteId: config.siteId,
  });
  if (config.callbackBaseUrl !== '' && !isLinkUrl(config.callbackBaseUrl))
    problems.push('the Rocket.Chat URL for the vault setting is not an http(s) URL');
  return problems;
}

/** What is wrong with the settings checked here that `values` hold, one phrase each; none when all are usable. */
export function vaultSettingProblems(values: { [id: string]: unknown }): string[] {
  const problems = connectionSettingProblems(toAppConfig((id) => values[id]));
  const timeout = vaultTimeoutOf(values[SettingId.VaultTimeoutMs]).problem;
  if (timeout) problems.push(timeout);
  const lifetime = dialogLifetimeOf(values[SettingId.DialogLifetimeMinutes]).problem;
  if (lifetime) problems.push(lifetime);
  return problems;
}

export async function checkVaultSettings(logger: ILogger, read: IRead, setting: ISetting): Promise<void> {
  if (CHECKED.indexOf(setting.id) < 0) {
    return;
  }
  // The saved value as the event carries it (the reader may not have it yet); unset is the default.
  const saved = setting.value === undefined || setting.value === null ? setting.packageValue : setting.value;
  const values = { ...(await readSettingValues(read)), [setting.id]: saved };
  const problems = vaultSettingProblems(values);
  if (problems.length > 0) {
    logger.warn({ msg: `Vault settings: ${problems.join('; ')}.`, problems });
  }
}
