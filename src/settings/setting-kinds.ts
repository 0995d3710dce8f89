/**
 * What kind of value each setting holds. The admin UI saves only the right kind, but Rocket.Chat's
 * REST API stores what it is given: a number as *Roles allowed to send*, "false" as text for a
 * switch. Such a value is read as the setting's default, never as something wider (a number of
 * roles read as none would let any serving agent send), and saving it says so in the app's logs.
 */
import type { ILogger } from '@rocket.chat/apps-engine/definition/accessors';
import { SettingType, type ISetting } from '@rocket.chat/apps-engine/definition/settings';

import { translate } from '../i18n/i18n';

/** How `value` is not what `setting` holds, or undefined when it is (unset reads as the default). */
export function valueKindProblem(setting: ISetting, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  switch (setting.type) {
    case SettingType.BOOLEAN:
      return typeof value === 'boolean' ? undefined : 'is not on or off (true or false)';
    case SettingType.NUMBER:
      // A number written as text is read as one; wholeNumberOf names what is not a number.
      return undefined;
    case SettingType.SELECT:
      return (setting.values ?? []).some((choice) => choice.key === value) ? undefined : 'is none of its choices';
    default:
      return typeof value === 'string' ? undefined : 'is not text';
  }
}

/** `value` as the app reads it: the setting's default when it is of the wrong kind. */
export function asDeclared(setting: ISetting, value: unknown): unknown {
  return valueKindProblem(setting, value) === undefined ? value : setting.packageValue;
}

/** On saving `setting`: a value of the wrong kind is logged by the setting's name, never its value. */
export function checkSettingKind(logger: ILogger, declared: readonly ISetting[], setting: ISetting): void {
  const own = declared.find((each) => each.id === setting.id);
  const problem = own && valueKindProblem(own, setting.value);
  if (!own || !problem) return;
  logger.warn({
    msg: `The ${translate('en', own.i18nLabel)} setting ${problem}: its default is used (it was saved through the API, not the admin page).`,
    setting: own.id,
  });
}
