/**
 * Boots the real Apps-Engine (AppManager + its Deno subprocess) with the in-memory bridges and the
 * packaged zip, and drives it the way a Rocket.Chat server does: slash commands, room action
 * buttons, block actions, view submits, API calls and livechat events.
 *
 * A handler that fails inside the engine does not throw to the caller; it only leaves an
 * "… was unsuccessful" entry in the log storage. Every driver here checks the log entries the call
 * produced and throws on such an entry, an uncaught exception in the runtime, or a permission the
 * engine refused, so a broken handler fails the test.
 *
 * It also holds the app to the server's own rules (see agent-client.ts): a view is taken only under
 * the interaction's own trigger ID, once, within 5 s; a view the client dropped fails the call
 * that caused it. Each user action gets a fresh trigger ID, as Rocket.Chat's client makes one.
 */
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { URL, URLSearchParams } from 'url';

import type { IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import type { IEmailDescriptor } from '@rocket.chat/apps-engine/definition/email';
import { RequestMethod } from '@rocket.chat/apps-engine/definition/accessors';
import { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';
import type {
  IDepartment,
  ILivechatEventContext,
  ILivechatMessage,
  ILivechatRoom,
  ILivechatTransferEventContext,
} from '@rocket.chat/apps-engine/definition/livechat';
import { LivechatTransferEventType } from '@rocket.chat/apps-engine/definition/livechat';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import { AppInterface } from '@rocket.chat/apps-engine/definition/metadata';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';
import type {
  IUIKitContextualBarInteraction,
  IUIKitModalInteraction,
  IUIKitResponse,
  IUIKitSurface,
} from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { AppManager } from '@rocket.chat/apps-engine/server/AppManager';
import { AppPermissionManager } from '@rocket.chat/apps-engine/server/managers/AppPermissionManager';
import type { ILoggerStorageEntry } from '@rocket.chat/apps-engine/server/logging';

import { HarnessBridges } from './bridges';
import { ServerMessages } from './server-messages';
import type { OfflineMessage } from './offline-form';
import { offlineChannelPost, offlineMessageEmail, offlineWebhookCopy } from './offline-form';
import type { FederationKeys } from './bridges';
import { MemoryLogStorage, MemoryMetadataStorage, MemorySourceStorage } from './storage';
import { World, newId } from './world';
import type { StoredMessage } from './world';

const ROOT = path.resolve(__dirname, '..', '..');

// Under NODE_ENV=test (jest's default) the engine grants every permission: keep its checks real.
if (process.env.NODE_ENV === 'test') {
  process.env.NODE_ENV = 'harness';
}
// The engine spawns `deno` from PATH.
const bin = path.join(ROOT, 'node_modules', '.bin');
if (!(process.env.PATH || '').split(path.delimiter).includes(bin)) {
  process.env.PATH = [bin, process.env.PATH].join(path.delimiter);
}

let federationKeys: FederationKeys | undefined;
function keys(): FederationKeys {
  if (!federationKeys) {
    federationKeys = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
  }
  return federationKeys;
}

/** The zip `npm run package` made (jest's global setup makes it before any test). */
export function packagedZipPath(): string {
  const dist = path.join(ROOT, 'dist');
  const zips = fs.existsSync(dist) ? fs.readdirSync(dist).filter((f) => f.endsWith('.zip')) : [];
  const appJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8')) as {
    nameSlug: string;
    version: string;
  };
  const wanted = `${appJson.nameSlug}_${appJson.version}.zip`;
  if (!zips.includes(wanted)) {
    throw new Error(`dist/${wanted} is missing: run \`npm run package\``);
  }
  return path.join(dist, wanted);
}

// Permission refusals are only printed by the engine; the harness turns them into test failures.
const permissionFailures: string[] = [];
const originalNotify = AppPermissionManager.notifyAboutError.bind(AppPermissionManager);
AppPermissionManager.notifyAboutError = (err: Error): void => {
  permissionFailures.push(`${err.name}: ${err.message}`);
  originalNotify(err);
};

export interface BootOptions {
  /** App settings to set after install (id → value), e.g. the vault URL and key. */
  settings?: Record<string, unknown>;
  /** Another instance's World: a second Rocket.Chat instance on the same database. */
  world?: World;
  /** A test-only app package instead of dist/'s zip. */
  zip?: Buffer;
}

export interface InteractionOptions {
  user: IUser;
  room?: IRoom;
  /**
   * Left out: the user's client makes a fresh one, as Rocket.Chat's does. `null`: the call carries
   * none (a command run through the REST API). A string no client made is a made-up ID.
   */
  triggerId?: string | null;
}

function describeFailure(entry: ILoggerStorageEntry): string | undefined {
  const text = JSON.stringify(entry.entries.map((e) => e.args));
  if (/unsuccessful/i.test(text) || /^runtime:(uncaughtException|unhandledRejection)$/.test(entry.method)) {
    return `${entry.method}: ${text.slice(0, 2000)}`;
  }
  return undefined;
}

export class EngineHarness {
  public readonly world: World;
  public readonly logs = new MemoryLogStorage();
  public readonly bridges: HarnessBridges;
  /** Rocket.Chat's way of saving messages, users' and apps' alike. */
  public readonly messages: ServerMessages;
  public readonly manager: AppManager;
  public appId = '';
  private readonly tempDir: string;
  private logCursor = 0;
  private permissionCursor = permissionFailures.length;
  private server?: http.Server;
  /**
   * Other instances that hear every call this one serves, at the same moment: as when a load
   * balancer retries a doorbell on another Rocket.Chat instance while the first still works on it.
   */
  public readonly apiMirrors: EngineHarness[] = [];
  /** Failures of calls the harness did not start itself (the vault's doorbell). */
  private readonly backgroundFailures: string[] = [];
  /** Doorbell calls still being handled: shutdown waits for them, as a server drains its requests. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private droppedCursor: number;
  /** Harnesses alive in this process: a second one is a second Rocket.Chat instance. */
  private static readonly alive = new Set<EngineHarness>();

  private constructor(world: World, secondInstance: boolean) {
    this.world = world;
    this.droppedCursor = world.clients.dropped.length;
    this.messages = new ServerMessages(world, () => this.manager);
    this.bridges = new HarnessBridges(world, keys(), this.messages, (what) => this.backgroundFailures.push(what));
    this.tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'idv-engine-'));
    if (AppManager.Instance && !secondInstance) {
      throw new Error('An AppManager is still running in this process: shut the previous harness down first');
    }
    // The engine keeps its last manager in a static; each instance has its own manager and runtime.
    (AppManager as unknown as { Instance?: AppManager }).Instance = undefined;
    this.manager = new AppManager({
      metadataStorage: new MemoryMetadataStorage(),
      logStorage: this.logs,
      bridges: this.bridges,
      sourceStorage: new MemorySourceStorage(),
      tempFilePath: this.tempDir,
    });
  }

  /** Installs and enables the packaged zip, then applies the given settings. */
  public static async boot(options: BootOptions = {}): Promise<EngineHarness> {
    const harness = new EngineHarness(options.world || new World(), Boolean(options.world));
    EngineHarness.alive.add(harness);
    try {
      await harness.manager.load();
      const admin = harness.world.addUser({ username: 'admin', roles: ['admin'] });
      const zip = options.zip || fs.readFileSync(packagedZipPath());
      // As in Rocket.Chat, the admin grants the permissions the app declares when installing it;
      // without this the engine falls back to its legacy default set.
      const { info } = await harness.manager.getParser().unpackageApp(zip);
      const result = await harness.manager.add(zip, {
        enable: true,
        user: admin,
        permissionsGranted: info.permissions,
      });
      const app = result.getApp();
      if (!app) {
        throw new Error(
          `The app did not install: ${JSON.stringify({ storage: result.getStorageError(), user: result.getAppUserError(), license: result.getLicenseValidationResult() })}`,
        );
      }
      harness.appId = app.getID();
      for (const [id, value] of Object.entries(options.settings || {})) {
        await harness.setSetting(id, value);
      }
      await harness.checkLogs('boot');
    } catch (err) {
      await harness.shutdown();
      throw err;
    }
    return harness;
  }

  public async status(): Promise<AppStatus> {
    return this.manager.getOneById(this.appId).getStatus();
  }

  /**
   * Serves the app's public API endpoints over loopback, as Rocket.Chat does under
   * `/api/apps/public/<appId>/…`, and points the server's Site_Url there: the vault's doorbell
   * then reaches the app for real. Returns that base URL.
   */
  public async serveApi(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const match = /^\/api\/apps\/public\/([^/]+)\/([^?]+)/.exec(req.url || '');
        if (!match || match[1] !== this.appId) {
          res.writeHead(404).end();
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8');
        this.world.apiCalls.push({ method: req.method || 'GET', path: req.url || '', body: text });
        const content = parsedAsRocketChatDoes(req.headers['content-type'], text);
        if (content instanceof Error) {
          res.writeHead(400).end(content.message);
          return;
        }
        const request = {
          method: (req.method || 'GET').toLowerCase() as RequestMethod,
          content,
          headers: req.headers as Record<string, string>,
          query: Object.fromEntries(new URL(req.url || '/', 'http://harness').searchParams),
        };
        for (const mirror of this.apiMirrors) {
          mirror.track(
            mirror.callApi(match[2], request).catch((err: Error) => {
              mirror.backgroundFailures.push(`${req.method} ${req.url} (mirrored): ${err.message}`);
            }),
          );
        }
        const handled = this.callApi(match[2], request)
          .then((result) => {
            res.writeHead(result.status, { 'Content-Type': 'application/json' });
            res.end(result.content === undefined ? '' : JSON.stringify(result.content));
          })
          .catch((err: Error) => {
            this.backgroundFailures.push(`${req.method} ${req.url}: ${err.message}`);
            res.writeHead(500).end();
          });
        this.track(handled);
      });
    });
    await new Promise<void>((resolve) => (this.server as http.Server).listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.world.setServerSetting('Site_Url', url);
    return url;
  }

  private track(call: Promise<unknown>): void {
    this.inFlight.add(call);
    void call.finally(() => this.inFlight.delete(call));
  }

  public async shutdown(): Promise<void> {
    if (this.server) {
      const server = this.server as http.Server & { closeAllConnections?: () => void };
      const closed = new Promise((resolve) => server.close(resolve));
      // The vault's doorbell client keeps connections alive; do not wait for them.
      server.closeAllConnections?.();
      await closed;
    }
    // A doorbell still being handled (slow with a slow vault) finishes before the app is unloaded.
    await Promise.allSettled(Array.from(this.inFlight));
    let late: string[] = [];
    try {
      await this.bridges.schedulerBridge.settled();
      // Post-message hooks still running would be cut off by the unload.
      late = await this.messages.settle();
      await this.manager.unload(false);
    } finally {
      EngineHarness.alive.delete(this);
      const others = Array.from(EngineHarness.alive);
      (AppManager as unknown as { Instance?: AppManager }).Instance = others.length
        ? others[others.length - 1].manager
        : undefined;
      fs.rmSync(this.tempDir, { recursive: true, force: true });
    }
    if (late.length > 0) {
      throw new Error(`Messages the app made after the last check failed:\n${late.join('\n')}`);
    }
  }

  /** Throws when the engine logged an unsuccessful handler or refused a permission since the last check. */
  public async checkLogs(what: string): Promise<void> {
    // Log entries travel with the handler's result; give the event loop a turn to store them.
    await new Promise((resolve) => setImmediate(resolve));
    const fresh = this.logs.entries.slice(this.logCursor);
    this.logCursor = this.logs.entries.length;
    const failures = fresh.map(describeFailure).filter((f): f is string => Boolean(f));
    failures.push(...this.backgroundFailures.splice(0));
    const dropped = this.world.clients.dropped.slice(this.droppedCursor);
    this.droppedCursor = this.world.clients.dropped.length;
    failures.push(...dropped.map((d) => `the client of ${d.userId} dropped ${d.type}: ${d.reason}`));
    failures.push(...permissionFailures.slice(this.permissionCursor));
    this.permissionCursor = permissionFailures.length;
    if (failures.length) {
      throw new Error(`The engine reported a failure during ${what}:\n${failures.join('\n')}`);
    }
  }

  /** Every log entry the app produced, as text: for "no secret in the logs" checks. */
  public logText(): string {
    return JSON.stringify(this.logs.entries);
  }

  /**
   * Runs one engine call, then checks the logs it produced. Some failing handlers reject (commands
   * reject with a JSON-RPC error object), others only log: both end as a thrown Error here.
   */
  private async drive<T>(what: string, call: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await call();
    } catch (err) {
      await this.settleMessages();
      await this.checkLogs(what);
      const message = err instanceof Error ? err.message : JSON.stringify(err);
      throw new Error(`The engine rejected ${what}: ${message}`);
    }
    await this.settleMessages();
    await this.checkLogs(what);
    return result;
  }

  public async setSetting(id: string, value: unknown): Promise<void> {
    const settings = this.manager.getSettingsManager();
    const current = settings.getAppSetting(this.appId, id);
    await this.drive(`setting ${id}`, () => settings.updateAppSetting(this.appId, { ...current, value }));
  }

  /** The trigger ID an interaction carries (see InteractionOptions), and the room it happens in opened. */
  private triggerFor(options: InteractionOptions): string | undefined {
    if (options.room) {
      this.world.clients.openRoom(options.user.id, options.room.id);
    }
    if (options.triggerId === null) {
      return undefined;
    }
    return options.triggerId === undefined ? this.world.clients.issue(options.user.id) : options.triggerId;
  }

  public async runCommand(command: string, options: InteractionOptions & { params?: string[] }): Promise<void> {
    const room = options.room || this.world.addChannel(options.user);
    const context = new SlashCommandContext(
      options.user,
      room,
      options.params || [],
      undefined,
      this.triggerFor({ ...options, room }) as string,
    );
    await this.drive(`/${command}`, () => this.manager.getCommandManager().executeCommand(command, context));
  }

  /** A room action button (the "⋮" / toolbar entries the app registered). */
  public async clickRoomAction(actionId: string, options: InteractionOptions): Promise<IUIKitResponse | undefined> {
    const result = await this.drive(`room action ${actionId}`, () =>
      this.manager.getListenerManager().executeListener(AppInterface.IUIKitInteractionHandler, {
        type: 'actionButton',
        appId: this.appId,
        actionId,
        triggerId: this.triggerFor(options),
        user: options.user,
        room: options.room,
        payload: { context: 'roomAction' },
      } as never),
    );
    return result as IUIKitResponse | undefined;
  }

  public async blockAction(
    options: InteractionOptions & {
      actionId: string;
      value?: string;
      blockId?: string;
      viewId?: string;
      messageId?: string;
    },
  ): Promise<IUIKitResponse | undefined> {
    const container = options.viewId
      ? { type: 'view', id: options.viewId }
      : { type: 'message', id: options.messageId || newId('m') };
    const triggerId = this.triggerFor(options);
    const result = await this.drive(`block action ${options.actionId}`, () =>
      this.manager.getListenerManager().executeListener(AppInterface.IUIKitInteractionHandler, {
        type: 'blockAction',
        appId: this.appId,
        actionId: options.actionId,
        triggerId,
        user: options.user,
        // A click inside a modal or contextual bar carries no room: the client sends only the view.
        room: options.viewId ? undefined : options.room,
        container,
        message: options.messageId ? this.world.messages.find((m) => m.id === options.messageId) : undefined,
        payload: { blockId: options.blockId || 'block', value: options.value },
      } as never),
    );
    return result as IUIKitResponse | undefined;
  }

  /** A visitor's click in the livechat widget (visitors are not users: they only have a token). */
  public async visitorBlockAction(options: {
    room: ILivechatRoom;
    actionId: string;
    value?: string;
  }): Promise<IUIKitResponse | undefined> {
    const result = await this.drive(`visitor block action ${options.actionId}`, () =>
      this.manager.getListenerManager().executeListener(AppInterface.IUIKitLivechatInteractionHandler, {
        type: 'blockAction',
        appId: this.appId,
        actionId: options.actionId,
        triggerId: newId('trigger'),
        visitor: options.room.visitor,
        room: options.room,
        container: { type: 'message', id: newId('m') },
        payload: { blockId: 'block', value: options.value },
      } as never),
    );
    return result as IUIKitResponse | undefined;
  }

  /** Submits a view the app opened, with `values` as actionId → value (the client's view state). */
  public async submitView(
    view: IUIKitSurface,
    user: IUser,
    values: Record<string, unknown>,
  ): Promise<IUIKitResponse | undefined> {
    const state: Record<string, Record<string, unknown>> = {};
    for (const block of view.blocks as Array<{ blockId?: string; element?: { actionId?: string } }>) {
      const actionId = block.element?.actionId;
      if (block.blockId && actionId && actionId in values) {
        state[block.blockId] = { ...(state[block.blockId] || {}), [actionId]: values[actionId] };
      }
    }
    const triggerId = this.world.clients.issue(user.id);
    const result = await this.drive(`view submit ${view.id}`, async () => {
      const response = (await this.manager.getListenerManager().executeListener(AppInterface.IUIKitInteractionHandler, {
        type: 'viewSubmit',
        appId: this.appId,
        actionId: (view.submit as { actionId?: string } | undefined)?.actionId,
        triggerId,
        user,
        payload: { view: { ...view, state } },
      } as never)) as IUIKitResponse | undefined;
      // The answer to a submit (close, or errors) is itself taken under the submit's trigger ID:
      // late, the client has already closed the modal with "App has failed to respond".
      const age = this.world.clients.ageOf(triggerId) as number;
      const type = (response as { type?: string } | undefined)?.type;
      if (type) {
        this.world.clients.take(user.id, triggerId, `the answer to the view submit (${type})`);
      } else if (age > this.world.clients.timeoutMs) {
        this.world.clients.dropped.push({
          userId: user.id,
          type: 'the answer to the view submit',
          triggerId,
          reason: `${Math.round(age)} ms after the submit, past the client's ${this.world.clients.timeoutMs} ms trigger window`,
        });
      }
      return response;
    });
    return result;
  }

  public async callApi(
    endpointPath: string,
    request: {
      method?: RequestMethod;
      content?: unknown;
      headers?: Record<string, string>;
      query?: Record<string, string>;
    },
  ): Promise<IApiResponse> {
    return this.drive(`API ${endpointPath}`, () =>
      this.manager.getApiManager().executeApi(this.appId, endpointPath, {
        method: request.method || RequestMethod.POST,
        headers: request.headers || { 'content-type': 'application/json' },
        query: request.query || {},
        params: {},
        content: request.content,
      }),
    );
  }

  /**
   * What the apps' own messages a call caused left behind: failures of their post-message hooks,
   * and blocks a livechat visitor's widget cannot draw. Both are the call's failures.
   */
  private async settleMessages(): Promise<void> {
    this.backgroundFailures.push(...(await this.messages.settle()));
  }

  /** A message about to be saved: returns it as the apps left it, unsaved. */
  public async messageAboutToBeSent(message: IMessage): Promise<IMessage> {
    const modified = await this.drive('pre-message-sent', () => this.messages.beforeSaving(message));
    if (!modified) {
      throw new Error('An app prevented the message: nothing is saved');
    }
    return modified;
  }

  /**
   * A message sent as Rocket.Chat sends one (server-messages.ts): the pre-save hooks, the check
   * after them, then it is saved as they left it, then IPostMessageSent (the engine fires that one
   * without waiting: here it is awaited, so a test sees what it did). Returns the saved message;
   * throws, saving nothing, where the server would.
   */
  public async sendMessage(message: IMessage): Promise<StoredMessage> {
    const stored = this.messages.save(await this.messageAboutToBeSent(message));
    await this.drive('post-message-sent', () => this.messages.afterSaving(stored));
    return stored;
  }

  /**
   * A visitor's message as the widget sends it, through Rocket.Chat's livechat REST route (`POST
   * livechat/message`): refused in a closed chat; it gets its id there (`_id || Random.id()`) and
   * the visitor's token, which the apps' message converter passes on as the message's `token`,
   * before the apps' hooks run, then goes as `sendMessage` above.
   */
  public async visitorSends(room: ILivechatRoom, text: string, extra: Partial<IMessage> = {}): Promise<StoredMessage> {
    if (!(this.world.rooms.get(room.id) as ILivechatRoom | undefined)?.isOpen) throw new Error('room-closed');
    const sender = this.world.visitorAsSender(room);
    const message: ILivechatMessage = { id: newId('m'), room, sender, text, token: room.visitor.token, ...extra };
    return this.sendMessage(message);
  }

  /**
   * An edit as Rocket.Chat makes one (updateMessage): the changed message goes through the pre-update
   * hooks with the editor and time of the previous edit, if any; this edit's are set after them. It
   * is saved so (the history keeps every version), then IPostMessageUpdated, awaited.
   */
  public async editMessage(stored: StoredMessage, changes: Partial<IMessage>, editor: IUser): Promise<StoredMessage> {
    const edited: IMessage = { ...stored, ...changes };
    const modified = await this.drive('pre-message-updated', () => this.messages.beforeUpdating(edited));
    const saved = this.messages.saveUpdate(stored.id, { ...modified, editor, editedAt: new Date() });
    await this.drive('post-message-updated', () => this.messages.afterUpdating(saved));
    return saved;
  }

  /**
   * An e-mail as Rocket.Chat's mailer sends one (`sendNoWrap`): the apps' IPreEmailSent runs on it,
   * and what they return is sent, or the e-mail as it was when none listens; it is recorded in
   * `world.outbound` as it left. Throws, sending nothing, when an app refused it.
   */
  public async sendEmail(email: IEmailDescriptor): Promise<IEmailDescriptor> {
    const listeners = this.manager.getListenerManager();
    const returned = (await this.drive('pre-email-sent', () =>
      listeners.executeListener(AppInterface.IPreEmailSent, { context: undefined, email }),
    )) as IEmailDescriptor | undefined;
    const sent = returned || email;
    this.world.outbound.push({
      via: 'email',
      to: String(sent.to),
      subject: sent.subject,
      body: sent.html || '',
      text: sent.text,
    });
    return sent;
  }

  /**
   * A message a visitor leaves in the offline form (offline-form.ts): its e-mail goes through the
   * apps' IPreEmailSent and is recorded as the mailer sends it (`world.outbound`, with the webhook's
   * copy), then the bot's post of it to the channel, if the workspace makes one, is sent as
   * Rocket.Chat sends a message. Returns that post. Throws, sending nothing, where the server would.
   */
  public async leaveOfflineMessage(data: OfflineMessage): Promise<StoredMessage | undefined> {
    await this.sendEmail(offlineMessageEmail(this.world, data));
    const webhook = offlineWebhookCopy(this.world, data);
    if (webhook) this.world.outbound.push(webhook);
    const post = offlineChannelPost(this.world, data);
    if (!post) return undefined;
    return this.sendMessage({ room: post.room, sender: this.world.rocketCat(), text: post.text, groupable: false });
  }

  public async closeLivechatRoom(room: ILivechatRoom): Promise<ILivechatRoom> {
    const closed = this.world.closeRoom(room);
    await this.drive('room closed', () =>
      this.manager.getListenerManager().executeListener(AppInterface.IPostLivechatRoomClosed, closed),
    );
    return closed;
  }

  /**
   * An agent transfer. As in Rocket.Chat, the take fires IPostLivechatAgentAssigned, then the
   * transfer fires IPostLivechatRoomTransferred; the previous agent's subscription is gone.
   */
  public async transferRoom(room: ILivechatRoom, from: IUser, to: IUser): Promise<ILivechatRoom> {
    const moved = this.takeRoom(room, to);
    await this.fireAgentAssigned(moved, to);
    const context: ILivechatTransferEventContext = { type: LivechatTransferEventType.AGENT, room: moved, from, to };
    await this.drive('room transferred', () =>
      this.manager.getListenerManager().executeListener(AppInterface.IPostLivechatRoomTransferred, context),
    );
    return moved;
  }

  /**
   * A transfer to a department: `to` in the event is the department, `from` the one the chat left
   * (none when it had none). When routing gives the chat to an agent at once, that take fires
   * IPostLivechatAgentAssigned first; otherwise the chat waits in the queue with nobody serving it
   * (see `assignAgent` for the later pick). Then, as Rocket.Chat's `setImmediate` may, the event
   * runs before the previous agent is taken off the chat: `servedBy` still names them.
   */
  public async transferRoomToDepartment(
    room: ILivechatRoom,
    department: IDepartment,
    agent?: IUser,
  ): Promise<ILivechatRoom> {
    const previous = room.servedBy;
    let moved = agent ? this.takeRoom(room, agent) : room;
    if (agent) await this.fireAgentAssigned(moved, agent);
    moved = this.world.updateRoom(moved, { department });
    const context: ILivechatTransferEventContext = {
      type: LivechatTransferEventType.DEPARTMENT,
      room: moved,
      from: room.department as IDepartment,
      to: department,
    };
    await this.drive('room transferred to a department', () =>
      this.manager.getListenerManager().executeListener(AppInterface.IPostLivechatRoomTransferred, context),
    );
    if (!agent) {
      moved = this.world.updateRoom(moved, { servedBy: undefined, usernames: [] });
      if (previous) this.world.clients.closeRoom(previous.id, room.id);
    }
    return moved;
  }

  /** A take with no transfer event: routing, an agent picking the chat from the queue, a forward. */
  public async assignAgent(room: ILivechatRoom, agent: IUser): Promise<ILivechatRoom> {
    const taken = this.takeRoom(room, agent);
    await this.fireAgentAssigned(taken, agent);
    return taken;
  }

  /** Deletes a room as an admin can. Rocket.Chat tells apps nothing about it. */
  public deleteRoom(room: IRoom): void {
    this.world.deleteRoom(room.id);
  }

  private takeRoom(room: ILivechatRoom, agent: IUser): ILivechatRoom {
    if (room.servedBy && room.servedBy.id !== agent.id) {
      this.world.clients.closeRoom(room.servedBy.id, room.id);
    }
    return this.world.updateRoom(room, { servedBy: agent, usernames: [agent.username] });
  }

  private async fireAgentAssigned(room: ILivechatRoom, agent: IUser): Promise<void> {
    const context: ILivechatEventContext = { room, agent };
    await this.drive('agent assigned', () =>
      this.manager.getListenerManager().executeListener(AppInterface.IPostLivechatAgentAssigned, context),
    );
  }

  /** Waits for the one-off jobs the app scheduled (e.g. sending a request) and what their messages caused, then checks. */
  public async jobsSettled(): Promise<void> {
    await this.bridges.schedulerBridge.settled();
    await this.settleMessages();
    await this.checkLogs('scheduled jobs');
  }

  /** Runs a recurring job now, as the scheduler would when its interval comes round. */
  public async runRecurringJob(processorId: string): Promise<void> {
    await this.drive(`recurring job ${processorId}`, () => this.bridges.schedulerBridge.runRecurring(processorId));
  }

  /** The last surface (modal or contextual bar) the app opened for a user. */
  public lastView(userId: string): IUIKitSurface {
    const opened = this.world
      .interactionsFor(userId)
      .map((i) => i.interaction as IUIKitModalInteraction | IUIKitContextualBarInteraction)
      .filter((i) => /\.(open|update)$/.test(String(i.type)) && i.view);
    const last = opened[opened.length - 1];
    if (!last) {
      throw new Error(`No view was opened for user ${userId}`);
    }
    return last.view;
  }
}

/**
 * A public endpoint's body as Rocket.Chat hands it to the app: its router parses only JSON and
 * url-encoded forms (express.json, express.urlencoded({ extended: false }); body-parser 1 leaves
 * `{}` for anything else), and answers malformed JSON, or JSON that is neither an object nor an
 * array, with a 400 before the app hears of it.
 */
function parsedAsRocketChatDoes(contentType: string | undefined, text: string): unknown {
  const type = (contentType || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (type !== 'application/json' || text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed !== null && typeof parsed === 'object' ? parsed : new Error('strict JSON: an object or an array');
  } catch {
    return new Error('malformed JSON');
  }
}
