/**
 * Matching the roles a setting names against a user's. Rocket.Chat keeps a user's roles by id: a
 * built-in role's id is its name ('livechat-agent'), a custom role's is random, while the admin
 * writes the name Administration › Roles shows. So an entry is matched as written first and, only
 * when the user holds none so, looked up by id or name (one read per entry, needs `role.read`).
 */
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Deps } from './deps';

type RoleLookup = (idOrName: string) => Promise<string | undefined>;

/** The id of the role with this id or name; undefined when there is none or it cannot be read. */
function roleLookup(deps: Pick<Deps, 'app' | 'read'>): RoleLookup {
  return async (idOrName) => {
    try {
      const role = await deps.read.getRoleReader().getOneByIdOrName(idOrName, deps.app.getID());
      return role ? role.id : undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * The ids of the roles one entry names: the role of that id or name; else, for an entry written
 * as a space-separated list (as this setting once allowed, matching words to role ids only), its
 * words, but only when every word is a role's id as written. So a deleted "Premium user" never
 * lets in everyone holding `user`, even beside a custom role named "Premium".
 */
async function roleIdsNamedBy(lookup: RoleLookup, entry: string): Promise<string[]> {
  const whole = await lookup(entry);
  if (whole !== undefined) return [whole];
  const words = entry.split(/\s+/);
  if (words.length < 2) return [];
  const ids = await Promise.all(words.map(lookup));
  return ids.every((id, i) => id === words[i]) ? words : [];
}

/**
 * The role ids `entries` allow, as `user.roles` holds them: the entries as written, plus, when the
 * user holds none of those, the ids the entries name. A role that cannot be read allows no one.
 */
export async function allowedRoleIds(
  deps: Pick<Deps, 'app' | 'read'>,
  user: IUser,
  entries: readonly string[],
): Promise<string[]> {
  const held = user.roles || [];
  if (entries.length === 0 || entries.some((entry) => held.indexOf(entry) >= 0)) return [...entries];
  const lookup = roleLookup(deps);
  const named = await Promise.all(entries.map((entry) => roleIdsNamedBy(lookup, entry)));
  return entries.concat(...named);
}

/** The entries that name no role in this workspace, for the admin's logs on saving. */
export async function entriesNamingNoRole(
  deps: Pick<Deps, 'app' | 'read'>,
  entries: readonly string[],
): Promise<string[]> {
  const lookup = roleLookup(deps);
  const named = await Promise.all(entries.map((entry) => roleIdsNamedBy(lookup, entry)));
  return entries.filter((_entry, i) => named[i].length === 0);
}
