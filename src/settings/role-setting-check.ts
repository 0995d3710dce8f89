/**
 * When an admin saves *Roles allowed to send*: what in it allows nobody or reads other than meant is
 * written to the app's logs (a typo, a deleted role, a role held per room, or a list once written
 * with spaces). A setting cannot be refused from here.
 */
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';

import { MAX_LISTED_PROBLEMS } from '../lib/admin-problems';
import type { Deps } from '../platform/deps';
import { roleEntryProblems } from '../platform/roles';
import { quoteMasked } from '../redaction/mask-identifiers';
import { parseRoles, SettingId } from './settings';

const HOW_TO_WRITE = 'write roles by name or id, separated by commas';

/** `"a", "b"`: the admin's entries, masked as every setting problem is, at most 20. */
function quoted(entries: readonly string[]): string {
  return entries
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((entry) => `"${quoteMasked(entry)}"`)
    .join(', ');
}

export async function checkRoleSetting(deps: Pick<Deps, 'app' | 'read'>, setting: ISetting): Promise<void> {
  if (setting.id !== SettingId.SenderRoles) {
    return;
  }
  const value = setting.value === undefined || setting.value === null ? setting.packageValue : setting.value;
  const problems = await roleEntryProblems(deps, parseRoles(value));
  const logger = deps.app.getLogger();
  const { namingNoRole, roomRoles, readAsWords } = problems;
  if (namingNoRole.length > 0) {
    const [names, allows] = namingNoRole.length === 1 ? ['names', 'it allows'] : ['name', 'they allow'];
    logger.warn({
      msg: `Roles allowed to send: ${quoted(namingNoRole)} ${names} no role in this workspace, so ${allows} nobody (${HOW_TO_WRITE}).`,
      unknownRoles: namingNoRole.length,
    });
  }
  if (roomRoles.length > 0) {
    const [is, allows] = roomRoles.length === 1 ? ['is a role', 'it allows'] : ['are roles', 'they allow'];
    logger.warn({
      msg: `Roles allowed to send: ${quoted(roomRoles)} ${is} held per room, never by a user, so ${allows} nobody (${HOW_TO_WRITE}).`,
      roomRoles: roomRoles.length,
    });
  }
  if (readAsWords.length > 0) {
    const [is, each] = readAsWords.length === 1 ? ['is', 'its'] : ['are', 'each of their'];
    logger.warn({
      msg: `Roles allowed to send: ${quoted(readAsWords)} ${is} read as ${each} words, each a role (${HOW_TO_WRITE}).`,
      rolesReadAsWords: readAsWords.length,
    });
  }
}
