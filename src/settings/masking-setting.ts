/**
 * When an admin saves a masking setting: the rules in force are read again at once, and the lines
 * of the custom rules that cannot be used are written to the app's logs in the admin's language
 * (they are also listed by `/masking-counts`). A bad line is skipped; the other rules keep working.
 */
import type { ILogger, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';

import { resolveLocale, translatorFor } from '../i18n/i18n';
import { MAX_LISTED_PROBLEMS } from '../lib/admin-problems';
import { parseAdminRules } from '../redaction/admin-rules';
import { describeRuleProblems } from '../redaction/counts-report';
import { forgetMaskingConfig, isMaskingSetting } from '../redaction/masking-config';
import { SettingId } from './settings';

export async function checkMaskingSetting(logger: ILogger, read: IRead, setting: ISetting): Promise<void> {
  if (!isMaskingSetting(setting.id)) {
    return;
  }
  forgetMaskingConfig();
  if (setting.id !== SettingId.MaskingRules) {
    return;
  }
  const value = setting.value === undefined || setting.value === null ? setting.packageValue : setting.value;
  const { rules, problems } = parseAdminRules(typeof value === 'string' ? value : '');
  if (problems.length === 0) {
    logger.info({ msg: 'Masking rules accepted', rules: rules.map((r) => r.id) });
    return;
  }
  let language: unknown;
  try {
    language = await read.getEnvironmentReader().getServerSettings().getValueById('Language');
  } catch {
    language = undefined;
  }
  const t = translatorFor(resolveLocale(typeof language === 'string' ? language : undefined));
  logger.error({
    msg: t('masking_rules_invalid_admin', { problems: describeRuleProblems(problems, t) }),
    problems: problems.slice(0, MAX_LISTED_PROBLEMS),
    problemCount: problems.length,
  });
}
