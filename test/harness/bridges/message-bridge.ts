/** Messages: stored in the World with every version kept; private notices recorded. */
import type { IMessage, Reaction } from '@rocket.chat/apps-engine/definition/messages';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { MessageBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { StoredMessage, World } from '../world';
import { newId } from '../world';
import { clone } from './clone';

export class HarnessMessageBridge extends MessageBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async create(message: IMessage): Promise<string> {
    const stored: StoredMessage = { ...message, id: newId('m'), createdAt: new Date() };
    this.world.messages.push(stored);
    this.world.messageVersions.push(clone(stored));
    return stored.id;
  }

  protected async update(message: IMessage): Promise<void> {
    const index = this.world.messages.findIndex((m) => m.id === message.id);
    if (index < 0) {
      throw new Error(`Message ${message.id} not found`);
    }
    this.world.messages[index] = {
      ...this.world.messages[index],
      ...message,
      id: this.world.messages[index].id,
      updatedAt: new Date(),
    };
    this.world.messageVersions.push(clone(this.world.messages[index]));
  }

  protected async notifyUser(user: IUser, message: IMessage): Promise<void> {
    const notice = { userId: user.id, roomId: message.room.id, message };
    (this.world.reaches(user.id, message.room.id) ? this.world.notifications : this.world.lostNotifications).push(
      notice,
    );
  }

  protected async notifyRoom(): Promise<void> {
    throw new Error('notifyRoom is not used by this app: everything private goes through notifyUser');
  }

  protected async typing(): Promise<void> {
    return undefined;
  }

  protected async getById(messageId: string): Promise<IMessage> {
    const found = this.world.messages.find((m) => m.id === messageId);
    if (!found) {
      throw new Error(`Message ${messageId} not found`);
    }
    return found;
  }

  protected async delete(message: IMessage): Promise<void> {
    const index = this.world.messages.findIndex((m) => m.id === message.id);
    if (index >= 0) {
      this.world.messages.splice(index, 1);
    }
  }

  protected async addReaction(_messageId: string, _userId: string, _reaction: Reaction): Promise<void> {
    return undefined;
  }

  protected async removeReaction(_messageId: string, _userId: string, _reaction: Reaction): Promise<void> {
    return undefined;
  }
}
