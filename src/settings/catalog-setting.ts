/**
 * Checks the form catalog setting when an admin saves it. A bad catalog cannot be refused from
 * here, so the admin is told where they look: the app's logs (with every problem and where it
 * is), and the form picker, which lists the problems to admins while the built-in forms go on.
 */
import type { ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';

import { describeCatalogProblems, parseCatalog } from '../forms/catalog';
import { DEFAULT_LOCALE, resolveLocale, translatorFor } from '../i18n/i18n';
import { MAX_LISTED_PROBLEMS } from '../lib/admin-problems';
import { SettingId } from './settings';

export async function checkCatalogSetting(logger: ILogger, read: IRead, setting: ISetting): Promise<void> {
  if (setting.id !== SettingId.FormCatalog) {
    return;
  }
  const value = setting.value === undefined || setting.value === null ? setting.packageValue : setting.value;
  const { forms, problems } = parseCatalog(typeof value === 'string' ? value : '');
  if (problems.length === 0) {
    logger.info({ msg: 'Form catalog accepted', forms: forms.map((f) => f.id) });
    return;
  }
  let locale = DEFAULT_LOCALE;
  try {
    const language = await read.getEnvironmentReader().getServerSettings().getValueById('Language');
    locale = resolveLocale(typeof language === 'string' ? language : undefined);
  } catch {
    locale = DEFAULT_LOCALE;
  }
  const t = translatorFor(locale);
  logger.error({
    msg: t('catalog_invalid_admin', { problems: describeCatalogProblems(problems, t) }),
    problems: problems.slice(0, MAX_LISTED_PROBLEMS),
    problemCount: problems.length,
  });
}
