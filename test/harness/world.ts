/**
 * The in-memory "Rocket.Chat server" the bridges read and write: users, rooms, messages, private
 * notifications, UI interactions sent to clients, app persistence and server settings. Tests build
 * the scene with the factories and assert on the recorded lists.
 */
import type { ILivechatRoom, IVisitor } from '@rocket.chat/apps-engine/definition/livechat';
import type { OmnichannelSource } from '@rocket.chat/apps-engine/definition/livechat/ILivechatRoom';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IRole } from '@rocket.chat/apps-engine/definition/roles';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { SettingType } from '@rocket.chat/apps-engine/definition/settings';
import type { IUIKitInteraction } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { UserStatusConnection, UserType } from '@rocket.chat/apps-engine/definition/users';

import { AgentClients } from './agent-client';
import type { OutboundCopy } from './offline-form';

export interface StoredMessage extends IMessage {
  id: string;
}

export interface PrivateNotification {
  userId: string;
  roomId: string;
  message: IMessage;
}

export interface RecordedInteraction {
  userId: string;
  interaction: IUIKitInteraction;
  /** Milliseconds between the user's action and the view reaching their client. */
  ageMs?: number;
}

export interface PersistedRecord {
  id: string;
  appId: string;
  data: object;
  associations: RocketChatAssociationRecord[];
}

/** One outgoing HTTP call the app made: never its headers or body. */
export interface RecordedHttpCall {
  method: string;
  url: string;
  status?: number;
  error?: string;
}

/** One outgoing HTTP call with its bodies, for the end-to-end leak scan only (never shown in failures). */
export interface RecordedHttpExchange {
  method: string;
  url: string;
  requestBody: string;
  status?: number;
  responseBody: string;
}

/** One call that reached the app's public API (the vault's doorbell), with its raw body. */
export interface RecordedApiCall {
  method: string;
  path: string;
  body: string;
}

/** Rocket.Chat's own roles (createOrUpdateProtectedRoleAsync at start-up), with their scopes. */
const BUILT_IN_ROLES: ReadonlyArray<[string, IRole['scope']]> = [
  ['admin', 'Users'],
  ['moderator', 'Subscriptions'],
  ['leader', 'Subscriptions'],
  ['owner', 'Subscriptions'],
  ['user', 'Users'],
  ['bot', 'Users'],
  ['app', 'Users'],
  ['guest', 'Users'],
  ['anonymous', 'Users'],
  ['livechat-agent', 'Users'],
  ['livechat-manager', 'Users'],
  ['livechat-monitor', 'Users'],
];

let counter = 0;
export function newId(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36)}`;
}

/** What every user the world makes shares: enabled, online since now, no e-mail, UTC. */
function enabledAndOnlineNow(): Pick<
  IUser,
  'emails' | 'isEnabled' | 'status' | 'statusConnection' | 'utcOffset' | 'createdAt' | 'updatedAt' | 'lastLoginAt'
> {
  const now = new Date();
  return {
    emails: [],
    isEnabled: true,
    status: 'online',
    statusConnection: UserStatusConnection.ONLINE,
    utcOffset: 0,
    createdAt: now,
    updatedAt: now,
    lastLoginAt: now,
  };
}

export class World {
  public readonly users = new Map<string, IUser>();
  public readonly rooms = new Map<string, IRoom>();
  public readonly messages: StoredMessage[] = [];
  public readonly notifications: PrivateNotification[] = [];
  public readonly interactions: RecordedInteraction[] = [];
  public readonly persistence = new Map<string, PersistedRecord>();
  public readonly serverSettings = new Map<string, ISetting>();
  public readonly httpCalls: RecordedHttpCall[] = [];
  /** Every version of every message the app created or edited, in order: edits keep the history a server keeps. */
  public readonly messageVersions: StoredMessage[] = [];
  /** Every record the app wrote to its persistence, in order, including ones it later removed. */
  public readonly persistenceWrites: PersistedRecord[] = [];
  public readonly httpExchanges: RecordedHttpExchange[] = [];
  public readonly apiCalls: RecordedApiCall[] = [];
  /** The users' clients: trigger IDs they accept, rooms they have open. */
  public readonly clients = new AgentClients();
  /**
   * Private notices sent to a user who neither is subscribed to the room nor has it open: in
   * Rocket.Chat nobody sees them (e.g. the previous agent of a transferred chat).
   */
  public readonly lostNotifications: PrivateNotification[] = [];
  /** Every job the app scheduled, with its data (stored in the server's database). */
  public readonly scheduledJobs: Array<{ id: string; kind: string; data?: object; interval?: string | number }> = [];
  /** What the server sent out of Rocket.Chat by e-mail or webhook, with no app hook on the way. */
  public readonly outbound: OutboundCopy[] = [];
  /** Every job run, by processor ID (with the app ID suffix the engine adds), when it started and ended. */
  public readonly jobRuns: Array<{ id: string; startedAt: number; endedAt: number }> = [];

  /**
   * The workspace's roles. A user's `roles` hold role ids: a built-in role's id is its name, a
   * custom role's a random id (Rocket.Chat's insertRoleAsync), while the admin sees its name.
   */
  public readonly roles = new Map<string, IRole>(
    BUILT_IN_ROLES.map(([name, scope]) => [name, { id: name, name, description: '', protected: true, scope }]),
  );

  constructor() {
    this.setServerSetting('Site_Url', 'http://127.0.0.1:3000');
    this.setServerSetting('Language', 'en');
  }

  /** A workspace setting as Rocket.Chat stores it (its type follows the value, as its registry's does). */
  public setServerSetting(id: string, value: string | number | boolean): void {
    const type =
      typeof value === 'boolean'
        ? SettingType.BOOLEAN
        : typeof value === 'number'
          ? SettingType.NUMBER
          : SettingType.STRING;
    this.serverSettings.set(id, {
      id,
      type,
      packageValue: value,
      value,
      required: false,
      public: true,
      i18nLabel: id,
    });
  }

  /** A role made in Administration › Roles: a random id, the name the admin gave; names are unique. */
  public addCustomRole(name: string): IRole {
    if (Array.from(this.roles.values()).some((role) => role.name === name)) throw new Error('Role name already exists');
    const role: IRole = { id: newId('r'), name, description: '', protected: false, scope: 'Users' };
    this.roles.set(role.id, role);
    return role;
  }

  public addUser(partial: Partial<IUser> & { username: string }): IUser {
    const user: IUser = {
      id: partial.id || newId('u'),
      name: partial.username,
      type: UserType.USER,
      roles: ['user'],
      ...enabledAndOnlineNow(),
      ...partial,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Rocket.Chat's own bot, which every workspace has under this id; the server posts as it. */
  public rocketCat(): IUser {
    return (
      this.users.get('rocket.cat') || this.addUser({ id: 'rocket.cat', username: 'rocket.cat', type: UserType.BOT })
    );
  }

  public addAgent(username: string, extra: Partial<IUser> = {}): IUser {
    return this.addUser({ username, roles: ['user', 'livechat-agent'], ...extra });
  }

  public addLivechatRoom(
    options: {
      servedBy?: IUser;
      isOpen?: boolean;
      visitor?: Partial<IVisitor>;
      /** Where the visitor writes from (`room.source`): the web widget unless said otherwise. */
      source?: OmnichannelSource;
    } = {},
  ): ILivechatRoom {
    const visitor: IVisitor = {
      id: newId('v'),
      token: newId('tok'),
      username: 'guest-1',
      name: 'Guest Visitor',
      ...options.visitor,
    };
    const creator = options.servedBy || this.rocketCat();
    const room: ILivechatRoom = {
      id: newId('r'),
      slugifiedName: '',
      displayName: visitor.name,
      type: RoomType.LIVE_CHAT,
      creator,
      usernames: options.servedBy ? [options.servedBy.username] : [],
      visitor,
      servedBy: options.servedBy,
      isOpen: true,
      isWaitingResponse: false,
      closer: 'user',
      source: options.source || ({ type: 'widget' } as OmnichannelSource),
    };
    this.rooms.set(room.id, room);
    return options.isOpen === false ? this.closeRoom(room) : room;
  }

  /**
   * Closes a livechat room as Rocket.Chat stores a close: `closeRoomById` unsets `open` (it is never
   * `false`), and the room converter leaves an absent field out, so an app reads `isOpen` undefined.
   */
  public closeRoom(room: ILivechatRoom): ILivechatRoom {
    const { isOpen: _open, ...closed } = { ...room, closedAt: new Date() };
    this.rooms.set(room.id, closed as ILivechatRoom);
    return closed as ILivechatRoom;
  }

  /**
   * The livechat visitor as the sender of their messages, as Rocket.Chat's converter makes it:
   * visitors are not users, so the sender carries the visitor's ID and name, and type "unknown".
   */
  public visitorAsSender(room: ILivechatRoom): IUser {
    return {
      id: room.visitor.id as string,
      username: room.visitor.username,
      name: room.visitor.name,
      type: UserType.UNKNOWN,
      roles: [],
      ...enabledAndOnlineNow(),
    };
  }

  public addChannel(creator: IUser, name = 'general'): IRoom {
    const room: IRoom = {
      id: newId('r'),
      slugifiedName: name,
      displayName: name,
      type: RoomType.CHANNEL,
      creator,
      usernames: [creator.username],
    };
    this.rooms.set(room.id, room);
    return room;
  }

  public updateRoom<T extends IRoom>(room: T, changes: Partial<T>): T {
    if ((changes as Partial<ILivechatRoom>).isOpen === false) {
      throw new Error('Rocket.Chat never stores open: false; close a room with closeRoom');
    }
    const updated = { ...room, ...changes };
    this.rooms.set(room.id, updated);
    return updated;
  }

  /** Deletes a room as an admin would. Rocket.Chat fires no app event for a deletion. */
  public deleteRoom(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /** Whether a private notice to this user in this room reaches a client. */
  public reaches(userId: string, roomId: string): boolean {
    const user = this.users.get(userId);
    const room = this.rooms.get(roomId);
    const subscribed = Boolean(user && room && (room.usernames || []).includes(user.username));
    return subscribed || this.clients.hasRoomOpen(userId, roomId);
  }

  public messagesIn(roomId: string): StoredMessage[] {
    return this.messages.filter((m) => m.room.id === roomId);
  }

  public notificationsFor(userId: string): PrivateNotification[] {
    return this.notifications.filter((n) => n.userId === userId);
  }

  public interactionsFor(userId: string): RecordedInteraction[] {
    return this.interactions.filter((i) => i.userId === userId);
  }

  /** Everything the app made visible or durable, as one string: for "no secret anywhere" checks. */
  public everythingRecorded(): string {
    return JSON.stringify({
      messages: this.messages,
      notifications: this.notifications,
      persistence: Array.from(this.persistence.values()),
      httpCalls: this.httpCalls,
    });
  }
}
