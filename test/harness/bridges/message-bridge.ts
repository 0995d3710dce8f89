/**
 * Messages: an app's new message or edit goes the way Rocket.Chat sends it, through every app's
 * message hooks (server-messages.ts), and is stored in the World with every version kept; private
 * notices are recorded, never stored.
 */
import type { IMessage, Reaction } from '@rocket.chat/apps-engine/definition/messages';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { MessageBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { ServerMessages } from '../server-messages';
import type { World } from '../world';

export class HarnessMessageBridge extends MessageBridge {
  constructor(
    private readonly world: World,
    private readonly server: ServerMessages,
  ) {
    super();
  }

  protected async create(message: IMessage): Promise<string> {
    return this.server.createForApp(message);
  }

  protected async update(message: IMessage): Promise<void> {
    await this.server.updateForApp(message);
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
