/**
 * How Rocket.Chat saves a message, for a user's message and for one an app creates or edits alike
 * (its `sendMessage` and `updateMessage`; the apps bridge calls the same functions):
 * - the apps' pre-message hooks run on it: prevent, then extend, then modify, whose answer is
 *   assigned onto the message (a field it leaves out stays). On an app's own message they run too,
 *   the app's own hooks included, as a call back into its process;
 * - the message is checked again as the apps left it: custom fields are refused unless the
 *   workspace turned them on (`Message_CustomFields_Enabled`, off by default) and its schema
 *   (`Message_CustomFields`, extra keys refused) names every key. The server throws, and nothing is
 *   saved: a visitor's message is lost with an error;
 * - its text goes through the bad-words filter when the workspace turned it on (bad-words.ts);
 * - it is saved under the id it came with (the livechat REST route gives a visitor's message one
 *   before the hooks) or a new one (an edit keeps the earlier version in the history), then
 *   IPostMessageSent or IPostMessageUpdated. The server does not wait for those: for an app's own
 *   message the harness does not either, but keeps them, so the call that caused them settles them
 *   (`settle`).
 * A message saved in a livechat room is drawn by the visitor's widget, which knows only some blocks
 * and elements (SPEC): the server saves any other, the visitor sees nothing of it, and the harness
 * fails the call that made it.
 */
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import { AppInterface } from '@rocket.chat/apps-engine/definition/metadata';
import type { AppManager } from '@rocket.chat/apps-engine/server/AppManager';

import { filterBadWords } from './bad-words';
import { clone } from './bridges/clone';
import type { StoredMessage, World } from './world';
import { newId } from './world';

/** Message_MaxAllowedSize's default. */
const MAX_ALLOWED_SIZE = 5000;

/** The roles Rocket.Chat gives the view-livechat-rooms permission by default. */
const VIEW_LIVECHAT_ROOMS = ['admin', 'livechat-manager', 'livechat-monitor'];

type MessageHook =
  | AppInterface.IPreMessageSentPrevent
  | AppInterface.IPreMessageSentExtend
  | AppInterface.IPreMessageSentModify
  | AppInterface.IPreMessageUpdatedPrevent
  | AppInterface.IPreMessageUpdatedExtend
  | AppInterface.IPreMessageUpdatedModify;

interface PostMessageListeners {
  executePostMessageSent(message: IMessage): Promise<void>;
  executePostMessageUpdated(message: IMessage): Promise<void>;
}

/**
 * The message as the server keeps it after the modify hooks: their answer assigned onto the message
 * (sendMessage's and updateMessage's `Object.assign`), so what an answer leaves out stays as it was.
 */
function asServerMerges(message: IMessage, answer: IMessage): IMessage {
  return { ...message, ...answer };
}

/** The server's check of custom fields (validateCustomMessageFields), with the schema's keys only. */
function refusedCustomFields(message: IMessage, world: World): string | undefined {
  const fields = message.customFields;
  // As the server's `if (message.customFields)`: an empty object is refused too.
  if (!fields) return undefined;
  if (world.serverSettings.get('Message_CustomFields_Enabled')?.value !== true) {
    return 'Custom fields not enabled';
  }
  let named: string[] = [];
  try {
    const schema = JSON.parse(String(world.serverSettings.get('Message_CustomFields')?.value ?? '{}')) as {
      properties?: Record<string, unknown>;
    };
    named = Object.keys(schema.properties || {});
  } catch {
    return 'Invalid custom fields config';
  }
  return Object.keys(fields).every((key) => named.includes(key)) ? undefined : 'Invalid custom fields';
}

/** What the livechat widget draws (SPEC): a visitor sees nothing of any other block or element. */
const WIDGET_BLOCKS = ['section', 'actions', 'context', 'image', 'divider'];
const WIDGET_ELEMENTS = ['button', 'overflow', 'datepicker', 'static_select', 'image', 'plain_text', 'mrkdwn'];

/** The blocks of a livechat room's message its visitor's widget cannot draw, named. */
function undrawableForVisitors(message: IMessage): string[] {
  if (message.room?.type !== 'l' || !Array.isArray(message.blocks)) return [];
  const refused: string[] = [];
  for (const block of message.blocks as Array<{
    type: string;
    elements?: Array<{ type: string }>;
    accessory?: { type: string };
  }>) {
    if (!WIDGET_BLOCKS.includes(block.type)) refused.push(`block ${block.type}`);
    for (const element of [...(block.elements || []), ...(block.accessory ? [block.accessory] : [])]) {
      if (!WIDGET_ELEMENTS.includes(element.type)) refused.push(`element ${element.type} in ${block.type}`);
    }
  }
  return refused;
}

export class ServerMessages {
  /** Post-message hooks started for apps' own messages and not yet finished. */
  private readonly pending = new Set<Promise<void>>();
  private readonly failures: string[] = [];

  constructor(
    private readonly world: World,
    private readonly manager: () => AppManager,
  ) {}

  private listeners(): PostMessageListeners {
    return this.manager().getListenerManager() as unknown as PostMessageListeners;
  }

  private execute<T>(int: MessageHook, message: IMessage): Promise<T> {
    return this.manager().getListenerManager().executeListener(int, message) as Promise<T>;
  }

  private check(message: IMessage): void {
    const refused = refusedCustomFields(message, this.world);
    if (refused) {
      throw new Error(`Rocket.Chat refused the message: ${refused}`);
    }
  }

  /** The pre-save hooks and the check after them; undefined when an app prevented the message. */
  public async beforeSaving(message: IMessage): Promise<IMessage | undefined> {
    this.check(message);
    if (await this.execute<boolean>(AppInterface.IPreMessageSentPrevent, message)) return undefined;
    const extended = await this.execute<IMessage>(AppInterface.IPreMessageSentExtend, message);
    const modified = asServerMerges(
      message,
      await this.execute<IMessage>(AppInterface.IPreMessageSentModify, extended),
    );
    this.check(modified);
    return modified;
  }

  /** Rocket.Chat keeps only the room's id from what the apps returned: the saved room is its own. */
  private serversRoom(message: IMessage): IMessage['room'] {
    return (message.room && this.world.rooms.get(message.room.id)) || message.room;
  }

  public save(message: IMessage): StoredMessage {
    this.drawableForVisitors(message);
    // Rocket.Chat then saves nothing and runs no post hook; its livechat route answers a failure.
    if (message.id && this.world.messages.some((m) => m.id === message.id)) {
      throw new Error(`Rocket.Chat saved nothing: a message ${message.id} exists already`);
    }
    const stored: StoredMessage = {
      ...message,
      text: filterBadWords(this.world, message.text),
      room: this.serversRoom(message),
      id: message.id || newId('m'),
      createdAt: new Date(),
    };
    this.world.messages.push(stored);
    this.world.messageVersions.push(clone(stored));
    return stored;
  }

  public async beforeUpdating(edited: IMessage): Promise<IMessage> {
    if (await this.execute<boolean>(AppInterface.IPreMessageUpdatedPrevent, edited)) {
      throw new Error('A Rocket.Chat App prevented the message updating.');
    }
    const extended = await this.execute<IMessage>(AppInterface.IPreMessageUpdatedExtend, edited);
    const modified = asServerMerges(
      edited,
      await this.execute<IMessage>(AppInterface.IPreMessageUpdatedModify, extended),
    );
    this.check(modified);
    return modified;
  }

  public saveUpdate(id: string, message: IMessage): StoredMessage {
    const index = this.world.messages.findIndex((m) => m.id === id);
    if (index < 0) {
      throw new Error(`Message ${id} not found`);
    }
    this.drawableForVisitors(message);
    const saved: StoredMessage = {
      ...this.world.messages[index],
      ...message,
      text: filterBadWords(this.world, message.text),
      room: this.serversRoom(message),
      id,
      updatedAt: new Date(),
    };
    this.world.messages[index] = saved;
    this.world.messageVersions.push(clone(saved));
    return saved;
  }

  public afterSaving(message: IMessage): Promise<void> {
    return this.listeners().executePostMessageSent(message);
  }

  public afterUpdating(message: IMessage): Promise<void> {
    return this.listeners().executePostMessageUpdated(message);
  }

  /**
   * An app's new message (the message bridge's create): as the server sends it, through
   * executeSendMessage, which first refuses a text over Message_MaxAllowedSize (5000 by default)
   * and, in the sender's name, a room the sender may not access (canSendMessage).
   */
  public async createForApp(message: IMessage): Promise<string> {
    if ((message.text ?? '').length > MAX_ALLOWED_SIZE) throw new Error('error-message-size-exceeded');
    if (!this.mayPostIn(message)) throw new Error('error-not-allowed');
    const modified = await this.beforeSaving(message);
    if (!modified) {
      throw new Error('A Rocket.Chat App prevented the message: the server answers no message id');
    }
    const stored = this.save(modified);
    this.keep(this.afterSaving(stored), 'post-message-sent');
    return stored.id;
  }

  /**
   * canAccessRoom for the sender of an app's message: the app's own user always; in a livechat room,
   * the agent serving it or a role that may view every livechat room (view-livechat-rooms). An
   * agent the chat was transferred away from has neither.
   */
  private mayPostIn(message: IMessage): boolean {
    const sender = message.sender;
    if (!sender || sender.type === 'app') return true;
    const room = this.world.rooms.get(message.room.id) as { type?: string; servedBy?: { id: string } } | undefined;
    if (!room || room.type !== 'l') return true;
    const roles = this.world.users.get(sender.id)?.roles ?? sender.roles ?? [];
    return room.servedBy?.id === sender.id || roles.some((role) => VIEW_LIVECHAT_ROOMS.includes(role));
  }

  /** An app's edit (the message bridge's update): as the server updates a message. */
  public async updateForApp(message: IMessage): Promise<void> {
    if (!message.editor) {
      throw new Error('Invalid editor assigned to the message for the update.');
    }
    const original = this.world.messages.find((m) => m.id === message.id);
    if (!message.id || !original) {
      throw new Error('A message must exist to update.');
    }
    const modified = await this.beforeUpdating({ ...original, ...message });
    const saved = this.saveUpdate(message.id, { ...modified, editedAt: new Date() });
    this.keep(this.afterUpdating(saved), 'post-message-updated');
  }

  /** The server saves such a message; the harness fails the call that made it. */
  private drawableForVisitors(message: IMessage): void {
    const refused = undrawableForVisitors(message);
    if (refused.length > 0) {
      this.failures.push(`the livechat widget cannot draw ${refused.join(', ')} of a message in ${message.room.id}`);
    }
  }

  private keep(event: Promise<void>, what: string): void {
    const kept = event.catch((err: Error) => {
      this.failures.push(`${what} on an app's own message: ${err.message}`);
    });
    this.pending.add(kept);
    void kept.finally(() => this.pending.delete(kept));
  }

  /**
   * Waits for the post-message hooks of apps' own messages (and those they cause); returns their
   * failures, and messages saved in a livechat room with blocks its visitor's widget cannot draw.
   */
  public async settle(): Promise<string[]> {
    while (this.pending.size > 0) {
      await Promise.all(Array.from(this.pending));
    }
    return this.failures.splice(0);
  }
}
