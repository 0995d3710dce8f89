/**
 * The host side of the real Apps-Engine, in memory. Every bridge subclasses the engine's own
 * abstract bridge, so the engine's permission checks (the `do*` methods) still run before ours.
 * Bridges the app's flows touch are real over the World; the rest record the call and return empty.
 */
import * as http from 'http';
import * as https from 'https';
import { URL } from 'url';

import type { IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage, Reaction } from '@rocket.chat/apps-engine/definition/messages';
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import type { ISlashCommand } from '@rocket.chat/apps-engine/definition/slashcommands';
import type { IUIKitInteraction } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser, IUserCreationOptions } from '@rocket.chat/apps-engine/definition/users';
import { UserType } from '@rocket.chat/apps-engine/definition/users';
import type { ProxiedApp } from '@rocket.chat/apps-engine/server/ProxiedApp';
import type { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';
import {
  ApiBridge,
  AppActivationBridge,
  AppBridges,
  AppDetailChangesBridge,
  CloudWorkspaceBridge,
  CommandBridge,
  ContactBridge,
  EmailBridge,
  EnvironmentalVariableBridge,
  ExperimentalBridge,
  HttpBridge,
  LivechatBridge,
  MessageBridge,
  ModerationBridge,
  OutboundMessageBridge,
  PersistenceBridge,
  RoleBridge,
  RoomBridge,
  SchedulerBridge,
  ServerSettingBridge,
  UiInteractionBridge,
  UploadBridge,
  UserBridge,
  VideoConferenceBridge,
} from '@rocket.chat/apps-engine/server/bridges';
import type {
  IHttpBridgeRequestInfo,
  IInternalBridge,
  IInternalFederationBridge,
  IListenerBridge,
} from '@rocket.chat/apps-engine/server/bridges';
import { InternalBridge } from '@rocket.chat/apps-engine/server/bridges/InternalBridge';
import { OAuthAppsBridge } from '@rocket.chat/apps-engine/server/bridges/OAuthAppsBridge';
import { ThreadBridge } from '@rocket.chat/apps-engine/server/bridges/ThreadBridge';
import type { AppApi } from '@rocket.chat/apps-engine/server/managers/AppApi';

import type { PersistedRecord, RecordedHttpExchange, StoredMessage, World } from './world';
import { newId } from './world';

type AbstractClass<T> = abstract new (...args: never[]) => T;

/** A bridge nobody in the app's flows needs: any abstract method records its call and returns nothing. */
function recordingBridge<T extends object>(Base: AbstractClass<T>, name: string, calls: string[]): T {
  const Concrete = Base as unknown as new () => T;
  return new Proxy(new Concrete(), {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (value !== undefined || typeof prop !== 'string' || prop === 'then') {
        return value;
      }
      return async () => {
        calls.push(`${name}.${prop}`);
        return undefined;
      };
    },
  });
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

class HarnessMessageBridge extends MessageBridge {
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
    this.world.notifications.push({ userId: user.id, roomId: message.room.id, message });
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

class HarnessRoomBridge extends RoomBridge {
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

class HarnessUserBridge extends UserBridge {
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

function matchesAll(record: PersistedRecord, associations: RocketChatAssociationRecord[]): boolean {
  return associations.every((a) =>
    record.associations.some((r) => r.getModel() === a.getModel() && r.getID() === a.getID()),
  );
}

/** Associations arrive from the Deno runtime as plain objects; give them the class's getters back. */
function toAssociation(raw: RocketChatAssociationRecord | { model: string; id: string }): RocketChatAssociationRecord {
  const plain = raw as unknown as { model: string; id: string };
  const model =
    typeof (raw as RocketChatAssociationRecord).getModel === 'function'
      ? (raw as RocketChatAssociationRecord).getModel()
      : plain.model;
  const id =
    typeof (raw as RocketChatAssociationRecord).getID === 'function'
      ? (raw as RocketChatAssociationRecord).getID()
      : plain.id;
  return {
    getModel: () => model,
    getID: () => id,
    toJSON: () => ({ model, id }),
  } as unknown as RocketChatAssociationRecord;
}

class HarnessPersistenceBridge extends PersistenceBridge {
  constructor(private readonly world: World) {
    super();
  }

  private recordsOf(appId: string): PersistedRecord[] {
    return Array.from(this.world.persistence.values()).filter((r) => r.appId === appId);
  }

  private write(record: PersistedRecord): void {
    this.world.persistence.set(record.id, record);
    this.world.persistenceWrites.push({ ...record, data: clone(record.data) });
  }

  protected async purge(appId: string): Promise<void> {
    for (const record of this.recordsOf(appId)) {
      this.world.persistence.delete(record.id);
    }
  }

  protected async create(data: object, appId: string): Promise<string> {
    return this.createWithAssociations(data, [], appId);
  }

  protected async createWithAssociations(
    data: object,
    associations: RocketChatAssociationRecord[],
    appId: string,
  ): Promise<string> {
    const id = newId('p');
    this.write({ id, appId, data: clone(data), associations: associations.map(toAssociation) });
    return id;
  }

  protected async readById(id: string, appId: string): Promise<object> {
    const record = this.world.persistence.get(id);
    return record && record.appId === appId ? clone(record.data) : (undefined as unknown as object);
  }

  protected async readByAssociations(associations: RocketChatAssociationRecord[], appId: string): Promise<object[]> {
    const wanted = associations.map(toAssociation);
    return this.recordsOf(appId)
      .filter((r) => matchesAll(r, wanted))
      .map((r) => clone(r.data));
  }

  protected async remove(id: string, appId: string): Promise<object | undefined> {
    const record = this.world.persistence.get(id);
    if (!record || record.appId !== appId) {
      return undefined;
    }
    this.world.persistence.delete(id);
    return record.data;
  }

  protected async removeByAssociations(
    associations: RocketChatAssociationRecord[],
    appId: string,
  ): Promise<object[] | undefined> {
    const wanted = associations.map(toAssociation);
    const removed = this.recordsOf(appId).filter((r) => matchesAll(r, wanted));
    removed.forEach((r) => this.world.persistence.delete(r.id));
    return removed.map((r) => r.data);
  }

  protected async update(id: string, data: object, upsert: boolean, appId: string): Promise<string> {
    const record = this.world.persistence.get(id);
    if (!record && !upsert) {
      throw new Error(`Persistence record ${id} not found`);
    }
    this.write({ id, appId, data: clone(data), associations: record ? record.associations : [] });
    return id;
  }

  protected async updateByAssociations(
    associations: RocketChatAssociationRecord[],
    data: object,
    upsert: boolean,
    appId: string,
  ): Promise<string> {
    const wanted = associations.map(toAssociation);
    const existing = this.recordsOf(appId).filter((r) => matchesAll(r, wanted));
    if (existing.length === 0) {
      if (!upsert) {
        throw new Error('No persistence record matches those associations');
      }
      return this.createWithAssociations(data, wanted, appId);
    }
    existing.forEach((r) => this.write({ ...r, data: clone(data) }));
    return existing[0].id;
  }
}

class HarnessUiInteractionBridge extends UiInteractionBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async notifyUser(user: IUser, interaction: IUIKitInteraction): Promise<void> {
    this.world.interactions.push({ userId: user.id, interaction });
  }
}

class HarnessServerSettingBridge extends ServerSettingBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async getAll(): Promise<ISetting[]> {
    return Array.from(this.world.serverSettings.values());
  }

  protected async getOneById(id: string): Promise<ISetting> {
    return this.world.serverSettings.get(id) as ISetting;
  }

  protected async hideGroup(): Promise<void> {
    return undefined;
  }

  protected async hideSetting(): Promise<void> {
    return undefined;
  }

  protected async isReadableById(id: string): Promise<boolean> {
    return this.world.serverSettings.has(id);
  }

  protected async updateOne(): Promise<void> {
    throw new Error('The app must not change server settings');
  }

  protected async incrementValue(): Promise<void> {
    throw new Error('The app must not change server settings');
  }
}

/** Real HTTP: the app's calls go out over loopback, e.g. to the vault under test. */
class HarnessHttpBridge extends HttpBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async call(info: IHttpBridgeRequestInfo): Promise<IHttpResponse> {
    const { request } = info;
    const url = new URL(info.url);
    Object.entries(request.params || {}).forEach(([k, v]) => url.searchParams.set(k, v));
    if (request.query) {
      url.search = url.search ? `${url.search}&${request.query}` : `?${request.query}`;
    }
    const headers: Record<string, string> = { ...(request.headers || {}) };
    // Values cross the Deno boundary as msgpack: an unset field may arrive as null.
    let body: string | undefined = request.content === null ? undefined : request.content;
    if (body === undefined && request.data !== undefined && request.data !== null) {
      body = JSON.stringify(request.data);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
    }
    const recorded = {
      method: info.method.toUpperCase(),
      url: `${url.origin}${url.pathname}`,
    } as World['httpCalls'][number];
    this.world.httpCalls.push(recorded);
    const exchange: RecordedHttpExchange = {
      method: recorded.method,
      url: url.toString(),
      requestBody: body || '',
      responseBody: '',
    };
    this.world.httpExchanges.push(exchange);
    const client = url.protocol === 'https:' ? https : http;
    const fail = (err: Error) => {
      recorded.error = err.message;
      throw err;
    };
    return new Promise<IHttpResponse>((resolve, reject) => {
      const req = client.request(
        url,
        { method: recorded.method, headers, timeout: request.timeout, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const content = Buffer.concat(chunks).toString('utf8');
            let data: unknown;
            try {
              data = content ? JSON.parse(content) : undefined;
            } catch {
              data = undefined;
            }
            recorded.status = res.statusCode;
            exchange.status = res.statusCode;
            exchange.responseBody = content;
            resolve({
              url: info.url,
              method: info.method,
              statusCode: res.statusCode || 0,
              headers: res.headers as Record<string, string>,
              content,
              data,
            });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`Request to ${recorded.url} timed out after ${request.timeout}ms`)),
      );
      req.on('error', (err) => {
        recorded.error = err.message;
        reject(err);
      });
      if (body !== undefined) {
        req.write(body);
      }
      req.end();
    }).catch(fail);
  }
}

class HarnessCommandBridge extends CommandBridge {
  public readonly commands = new Map<string, ISlashCommand>();

  protected async doesCommandExist(command: string): Promise<boolean> {
    return this.commands.has(command);
  }

  protected async enableCommand(): Promise<void> {
    return undefined;
  }

  protected async disableCommand(): Promise<void> {
    return undefined;
  }

  protected async modifyCommand(command: ISlashCommand): Promise<void> {
    this.commands.set(command.command, command);
  }

  protected async registerCommand(command: ISlashCommand): Promise<void> {
    this.commands.set(command.command, command);
  }

  protected async unregisterCommand(command: string): Promise<void> {
    this.commands.delete(command);
  }
}

class HarnessApiBridge extends ApiBridge {
  public readonly apis: AppApi[] = [];

  protected async registerApi(api: AppApi): Promise<void> {
    this.apis.push(api);
  }

  protected async unregisterApis(appId: string): Promise<void> {
    for (let i = this.apis.length - 1; i >= 0; i--) {
      if (this.apis[i].appId === appId) {
        this.apis.splice(i, 1);
      }
    }
  }
}

class HarnessActivationBridge extends AppActivationBridge {
  public readonly statuses: AppStatus[] = [];

  protected async appAdded(_app: ProxiedApp): Promise<void> {
    return undefined;
  }

  protected async appUpdated(_app: ProxiedApp): Promise<void> {
    return undefined;
  }

  protected async appRemoved(_app: ProxiedApp): Promise<void> {
    return undefined;
  }

  protected async appStatusChanged(_app: ProxiedApp, status: AppStatus): Promise<void> {
    this.statuses.push(status);
  }

  protected async actionsChanged(): Promise<void> {
    return undefined;
  }
}

class HarnessInternalBridge extends InternalBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async getUsernamesOfRoomById(roomId: string): Promise<string[]> {
    return this.world.rooms.get(roomId)?.usernames || [];
  }

  protected getUsernamesOfRoomByIdSync(roomId: string): string[] {
    return this.world.rooms.get(roomId)?.usernames || [];
  }

  protected async getWorkspacePublicKey(): Promise<ISetting> {
    return undefined as unknown as ISetting;
  }
}

export interface FederationKeys {
  publicKey: string;
  privateKey: string;
}

export class HarnessBridges extends AppBridges {
  public readonly calls: string[] = [];
  public readonly commandBridge = new HarnessCommandBridge();
  public readonly apiBridge = new HarnessApiBridge();
  public readonly activationBridge = new HarnessActivationBridge();
  private readonly messageBridge: HarnessMessageBridge;
  private readonly roomBridge: HarnessRoomBridge;
  private readonly userBridge: HarnessUserBridge;
  private readonly persistenceBridge: HarnessPersistenceBridge;
  private readonly uiBridge: HarnessUiInteractionBridge;
  private readonly settingBridge: HarnessServerSettingBridge;
  private readonly httpBridge: HarnessHttpBridge;
  private readonly internalBridge: HarnessInternalBridge;
  private readonly federationBridge: IInternalFederationBridge;
  private readonly listenerBridge: IListenerBridge;
  private readonly stubs = new Map<string, object>();

  constructor(world: World, keys: FederationKeys) {
    super();
    this.messageBridge = new HarnessMessageBridge(world);
    this.roomBridge = new HarnessRoomBridge(world, this.calls);
    this.userBridge = new HarnessUserBridge(world);
    this.persistenceBridge = new HarnessPersistenceBridge(world);
    this.uiBridge = new HarnessUiInteractionBridge(world);
    this.settingBridge = new HarnessServerSettingBridge(world);
    this.httpBridge = new HarnessHttpBridge(world);
    this.internalBridge = new HarnessInternalBridge(world);
    this.federationBridge = {
      getPrivateKey: async () => keys.privateKey,
      getPublicKey: async () => keys.publicKey,
    };
    this.listenerBridge = {
      messageEvent: async () => undefined,
      roomEvent: async () => undefined,
      uiKitInteractionEvent: async () => undefined,
    };
  }

  private stub<T extends object>(Base: AbstractClass<T>, name: string): T {
    if (!this.stubs.has(name)) {
      this.stubs.set(name, recordingBridge(Base, name, this.calls));
    }
    return this.stubs.get(name) as T;
  }

  public getCommandBridge(): CommandBridge {
    return this.commandBridge;
  }

  public getContactBridge(): ContactBridge {
    return this.stub(ContactBridge, 'contact');
  }

  public getApiBridge(): ApiBridge {
    return this.apiBridge;
  }

  public getAppDetailChangesBridge(): AppDetailChangesBridge {
    return this.stub(AppDetailChangesBridge, 'appDetailChanges');
  }

  public getEnvironmentalVariableBridge(): EnvironmentalVariableBridge {
    return this.stub(EnvironmentalVariableBridge, 'env');
  }

  public getHttpBridge(): HttpBridge {
    return this.httpBridge;
  }

  public getListenerBridge(): IListenerBridge {
    return this.listenerBridge;
  }

  public getLivechatBridge(): LivechatBridge {
    return this.stub(LivechatBridge, 'livechat');
  }

  public getMessageBridge(): MessageBridge {
    return this.messageBridge;
  }

  public getPersistenceBridge(): PersistenceBridge {
    return this.persistenceBridge;
  }

  public getAppActivationBridge(): AppActivationBridge {
    return this.activationBridge;
  }

  public getRoomBridge(): RoomBridge {
    return this.roomBridge;
  }

  public getInternalBridge(): IInternalBridge {
    return this.internalBridge;
  }

  public getInternalFederationBridge(): IInternalFederationBridge {
    return this.federationBridge;
  }

  public getServerSettingBridge(): ServerSettingBridge {
    return this.settingBridge;
  }

  public getUploadBridge(): UploadBridge {
    return this.stub(UploadBridge, 'upload');
  }

  public getEmailBridge(): EmailBridge {
    return this.stub(EmailBridge, 'email');
  }

  public getUserBridge(): UserBridge {
    return this.userBridge;
  }

  public getUiInteractionBridge(): UiInteractionBridge {
    return this.uiBridge;
  }

  public getSchedulerBridge(): SchedulerBridge {
    return this.stub(SchedulerBridge, 'scheduler');
  }

  public getCloudWorkspaceBridge(): CloudWorkspaceBridge {
    return this.stub(CloudWorkspaceBridge, 'cloudWorkspace');
  }

  public getVideoConferenceBridge(): VideoConferenceBridge {
    return this.stub(VideoConferenceBridge, 'videoConference');
  }

  public getOAuthAppsBridge(): OAuthAppsBridge {
    return this.stub(OAuthAppsBridge, 'oauthApps');
  }

  public getModerationBridge(): ModerationBridge {
    return this.stub(ModerationBridge, 'moderation');
  }

  public getThreadBridge(): ThreadBridge {
    return this.stub(ThreadBridge, 'thread');
  }

  public getRoleBridge(): RoleBridge {
    return this.stub(RoleBridge, 'role');
  }

  public getOutboundMessageBridge(): OutboundMessageBridge {
    return this.stub(OutboundMessageBridge, 'outboundMessage');
  }

  public getExperimentalBridge(): ExperimentalBridge {
    return this.stub(ExperimentalBridge, 'experimental');
  }
}
