/** Which language to speak: the agent's own for agent-facing text, the configured one for visitors. */
import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { resolveLocale } from '../i18n/i18n';

async function serverLanguage(read: IRead): Promise<string | undefined> {
  try {
    const value = await read.getEnvironmentReader().getServerSettings().getValueById('Language');
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The user's language preference, else the server's default language, else English. */
export async function localeForUser(read: IRead, user: IUser | undefined): Promise<string> {
  const preferred = user && user.settings && user.settings.preferences && user.settings.preferences.language;
  return resolveLocale(preferred, await serverLanguage(read));
}

/** The visitor language setting, else the server's default language, else English. */
export async function localeForVisitor(read: IRead, configured: string): Promise<string> {
  return resolveLocale(configured, await serverLanguage(read));
}
