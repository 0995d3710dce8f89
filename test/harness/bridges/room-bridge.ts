/** Rooms: read from the World; the app may not create, change or delete any. */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { RoomBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';

export class HarnessRoomBridge extends RoomBridge {
  constructor(
    private readonly world: World,
    private readonly calls: string[],
  ) {
    super();
  }

  protected async getById(roomId: string): Promise<IRoom> {
    return this.world.rooms.get(roomId) as IRoom;
  }

  protected async getByName(roomName: string): Promise<IRoom> {
    return Array.from(this.world.rooms.values()).find((r) => r.slugifiedName === roomName) as IRoom;
  }

  protected async getCreatorById(roomId: string): Promise<IUser | undefined> {
    return this.world.rooms.get(roomId)?.creator;
  }

  protected async getCreatorByName(roomName: string): Promise<IUser | undefined> {
    return (await this.getByName(roomName))?.creator;
  }

  protected async getMembers(roomId: string): Promise<Array<IUser>> {
    const room = this.world.rooms.get(roomId);
    return Array.from(this.world.users.values()).filter((u) => room?.usernames.includes(u.username));
  }

  protected async getMessages(roomId: string): Promise<never[]> {
    this.calls.push(`room.getMessages:${roomId}`);
    return [];
  }

  protected async create(): Promise<string> {
    throw new Error('The app must not create rooms');
  }

  protected async update(): Promise<void> {
    throw new Error('The app must not update rooms');
  }

  protected async delete(): Promise<void> {
    throw new Error('The app must not delete rooms');
  }

  protected async getDirectByUsernames(): Promise<IRoom | undefined> {
    return undefined;
  }

  protected async getAllRooms(): Promise<never[]> {
    return [];
  }

  protected async createDiscussion(): Promise<string> {
    throw new Error('The app must not create discussions');
  }

  protected async getModerators(): Promise<Array<IUser>> {
    return [];
  }

  protected async getOwners(): Promise<Array<IUser>> {
    return [];
  }

  protected async getLeaders(): Promise<Array<IUser>> {
    return [];
  }

  protected async removeUsers(): Promise<void> {
    throw new Error('The app must not remove users from rooms');
  }

  protected async getUnreadByUser(): Promise<never[]> {
    return [];
  }

  protected async getUserUnreadMessageCount(): Promise<number> {
    return 0;
  }
}
