/**
 * Matching the roles a setting names against a user's. Rocket.Chat keeps a user's roles by id: a
 * built-in role's id is its name ('livechat-agent'), a custom role's is random, while the admin
 * writes the name Administration › Roles shows. So an entry is matched as written first and, only
 * when the user holds none so, looked up by id or name (one read per entry, needs `role.read`).
 */
import type { IRole } from '@rocket.chat/apps-engine/definition/roles';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Deps } from './deps';

type RoleLookup = (idOrName: string) => Promise<IRole | undefined>;

/** The role with this id or name; undefined when there is none or it cannot be read. */
function roleLookup(deps: Pick<Deps, 'app' | 'read'>): RoleLookup {
  return async (idOrName) => {
    try {
      return (await deps.read.getRoleReader().getOneByIdOrName(idOrName, deps.app.getID())) || undefined;
    } catch {
      return undefined;
    }
  };
}

/** The words of an entry once written as a space-separated list; none for a single word. */
function wordsOf(entry: string): string[] {
  const words = entry.split(/\s+/);
  return words.length < 2 ? [] : words;
}

/**
 * The ids of the roles one entry names: the role of that id or name; else, for an entry written
 * as a space-separated list (as this setting once allowed, matching words to role ids only), its
 * words, but only when every word is a role's id as written. So a deleted "Premium user" never
 * lets in everyone holding `user`, even beside a custom role named "Premium".
 */
async function roleIdsNamedBy(lookup: RoleLookup, entry: string): Promise<string[]> {
  const whole = await lookup(entry);
  if (whole !== undefined) return [whole.id];
  const words = wordsOf(entry);
  const roles = await Promise.all(words.map(lookup));
  return roles.every((role, i) => role !== undefined && role.id === words[i]) ? words : [];
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

/** What an admin should hear about the entries of the setting, on saving it. */
export interface RoleEntryProblems {
  /** Entries that name no role in this workspace: they allow nobody. */
  namingNoRole: string[];
  /** Entries naming a role held per room (`owner`, `moderator`), which no user holds: nobody. */
  roomRoles: string[];
  /** Entries read as a space-separated list of roles, which should be separated by commas. */
  readAsWords: string[];
}

export async function roleEntryProblems(
  deps: Pick<Deps, 'app' | 'read'>,
  entries: readonly string[],
): Promise<RoleEntryProblems> {
  const lookup = roleLookup(deps);
  const none: RoleEntryProblems = { namingNoRole: [], roomRoles: [], readAsWords: [] };
  const perEntry = await Promise.all(
    entries.map(async (entry): Promise<RoleEntryProblems> => {
      const whole = await lookup(entry);
      if (whole !== undefined) return { ...none, roomRoles: isRoomRole(whole) ? [entry] : [] };
      const read = await roleIdsNamedBy(lookup, entry);
      if (read.length === 0) return { ...none, namingNoRole: [entry] };
      // A room role among the words allows nobody either: named as the word, not the whole entry.
      const roles = await Promise.all(read.map(lookup));
      return { ...none, roomRoles: read.filter((_, i) => isRoomRole(roles[i])), readAsWords: [entry] };
    }),
  );
  // In the admin's order, whatever order the reads finished in.
  const all = (pick: (problems: RoleEntryProblems) => string[]) => ([] as string[]).concat(...perEntry.map(pick));
  return {
    namingNoRole: all((p) => p.namingNoRole),
    roomRoles: all((p) => p.roomRoles),
    readAsWords: all((p) => p.readAsWords),
  };
}

/** Rocket.Chat keeps a room-scoped role on the subscription, never in `user.roles`. */
function isRoomRole(role: IRole | undefined): boolean {
  return role !== undefined && role.scope === 'Subscriptions';
}
