import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IRole } from '@rocket.chat/apps-engine/definition/roles';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { allowedRoleIds } from '../../src/platform/roles';

/** A role reader over `roles` that counts its reads; `failing` makes every read throw. */
function rolesOf(roles: Array<Pick<IRole, 'id' | 'name'>>, failing = false) {
  const reads: string[] = [];
  const read = {
    getRoleReader: () => ({
      getOneByIdOrName: async (idOrName: string) => {
        reads.push(idOrName);
        if (failing) throw new Error('the role bridge failed');
        return (roles.find((r) => r.id === idOrName || r.name === idOrName) as IRole | undefined) ?? null;
      },
    }),
  } as unknown as IRead;
  return { deps: { app: { getID: () => 'app-id', getLogger: () => undefined as never }, read }, reads };
}

const user = (roles: string[]) => ({ id: 'u1', roles }) as unknown as IUser;

describe('allowedRoleIds', () => {
  it('reads nothing when the user holds an entry as written (a built-in role, the default)', async () => {
    const { deps, reads } = rolesOf([{ id: 'livechat-agent', name: 'livechat-agent' }]);
    expect(await allowedRoleIds(deps, user(['user', 'livechat-agent']), ['livechat-agent'])).toEqual([
      'livechat-agent',
    ]);
    expect(reads).toEqual([]);
  });

  it("adds a custom role's id for the name the admin wrote", async () => {
    const { deps, reads } = rolesOf([{ id: 'Zx81kq', name: 'Payments team' }]);
    expect(await allowedRoleIds(deps, user(['user', 'Zx81kq']), ['Payments team'])).toEqual([
      'Payments team',
      'Zx81kq',
    ]);
    expect(reads).toEqual(['Payments team']);
  });

  it('allows nobody by an entry whose role cannot be read', async () => {
    const { deps } = rolesOf([{ id: 'Zx81kq', name: 'Payments team' }], true);
    expect(await allowedRoleIds(deps, user(['user', 'Zx81kq']), ['Payments team'])).toEqual(['Payments team']);
  });

  it('reads an old space-separated list as its words only when every word is a role', async () => {
    const builtIn = ['livechat-agent', 'livechat-manager', 'user'].map((id) => ({ id, name: id }));
    const { deps } = rolesOf(builtIn);
    expect(await allowedRoleIds(deps, user(['livechat-agent']), ['livechat-manager livechat-agent'])).toEqual([
      'livechat-manager livechat-agent',
      'livechat-manager',
      'livechat-agent',
    ]);
    expect(await allowedRoleIds(deps, user(['user']), ['Premium user'])).toEqual(['Premium user']);
    // A word found only by a custom role's name is no role id as written: no list, nobody let in.
    const withPremium = rolesOf([...builtIn, { id: 'Qw7c2p', name: 'Premium' }]);
    expect(await allowedRoleIds(withPremium.deps, user(['user']), ['Premium user'])).toEqual(['Premium user']);
  });
});
