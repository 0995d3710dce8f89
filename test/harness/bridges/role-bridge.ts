/** Roles, as Rocket.Chat's role bridge reads them: by id or by name, exactly as stored. */
import type { IRole } from '@rocket.chat/apps-engine/definition/roles';
import { RoleBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';

export class HarnessRoleBridge extends RoleBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async getOneByIdOrName(idOrName: string): Promise<IRole | null> {
    const role = Array.from(this.world.roles.values()).find((r) => r.id === idOrName || r.name === idOrName);
    return role ? { ...role } : null;
  }

  protected async getCustomRoles(): Promise<IRole[]> {
    return Array.from(this.world.roles.values())
      .filter((role) => !role.protected)
      .map((role) => ({ ...role }));
  }
}
