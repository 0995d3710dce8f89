/** Users, including the app's own bot user. */
import type { IUser, IUserCreationOptions } from '@rocket.chat/apps-engine/definition/users';
import { UserType } from '@rocket.chat/apps-engine/definition/users';
import { UserBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';

export class HarnessUserBridge extends UserBridge {
  private readonly appUsers = new Map<string, string>();

  constructor(private readonly world: World) {
    super();
  }

  protected async getById(id: string): Promise<IUser> {
    return this.world.users.get(id) as IUser;
  }

  protected async getByUsername(username: string): Promise<IUser> {
    return Array.from(this.world.users.values()).find((u) => u.username === username) as IUser;
  }

  protected async getAppUser(appId?: string): Promise<IUser | undefined> {
    const id = appId && this.appUsers.get(appId);
    return id ? this.world.users.get(id) : undefined;
  }

  protected async getActiveUserCount(): Promise<number> {
    return this.world.users.size;
  }

  protected async getUserUnreadMessageCount(): Promise<number> {
    return 0;
  }

  protected async getUserRoomIds(userId: string): Promise<string[]> {
    const user = this.world.users.get(userId);
    return Array.from(this.world.rooms.values())
      .filter((r) => user && r.usernames.includes(user.username))
      .map((r) => r.id);
  }

  protected async create(data: Partial<IUser>, appId: string, _options?: IUserCreationOptions): Promise<string> {
    const user = this.world.addUser({
      ...data,
      username: data.username || `${appId}.bot`,
      type: data.type || UserType.APP,
      appId,
      roles: data.roles || ['app'],
    });
    if (user.type === UserType.APP) {
      this.appUsers.set(appId, user.id);
    }
    return user.id;
  }

  protected async remove(user: IUser): Promise<boolean> {
    return this.world.users.delete(user.id);
  }

  protected async update(user: IUser, updates: Partial<IUser>): Promise<boolean> {
    this.world.users.set(user.id, { ...user, ...updates });
    return true;
  }

  protected async deleteUsersCreatedByApp(appId: string): Promise<boolean> {
    for (const user of Array.from(this.world.users.values())) {
      if (user.appId === appId) {
        this.world.users.delete(user.id);
      }
    }
    this.appUsers.delete(appId);
    return true;
  }

  protected async deactivate(): Promise<boolean> {
    return true;
  }
}
