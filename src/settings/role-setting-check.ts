/**
 * When an admin saves *Roles allowed to send*: the entries that name no role in this workspace are
 * written to the app's logs, since nobody is allowed by them (a typo, a deleted role, or a list
 * once written with spaces whose words are not all role ids). A setting cannot be refused from here.
 */
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';

import { MAX_LISTED_PROBLEMS } from '../lib/admin-problems';
import type { Deps } from '../platform/deps';
import { entriesNamingNoRole } from '../platform/roles';
import { quoteMasked } from '../redaction/mask-identifiers';
import { parseRoles, SettingId } from './settings';

export async function checkRoleSetting(deps: Pick<Deps, 'app' | 'read'>, setting: ISetting): Promise<void> {
  if (setting.id !== SettingId.SenderRoles) {
    return;
  }
  const value = setting.value === undefined || setting.value === null ? setting.packageValue : setting.value;
  const unknown = await entriesNamingNoRole(deps, parseRoles(value));
  if (unknown.length === 0) {
    return;
  }
  const quoted = unknown
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((entry) => `"${quoteMasked(entry)}"`)
    .join(', ');
  const [names, allows] = unknown.length === 1 ? ['names', 'it allows'] : ['name', 'they allow'];
  deps.app.getLogger().warn({
    msg: `Roles allowed to send: ${quoted} ${names} no role in this workspace, so ${allows} nobody (write roles by name or id, separated by commas).`,
    unknownRoles: unknown.length,
  });
}
