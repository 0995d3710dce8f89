/**
 * The stage for integration tests: the packaged app in the real Apps-Engine, its public API served
 * on loopback, the real vault on loopback with this workspace registered, and a livechat room
 * served by an agent. Helpers play the agent's clicks and the visitor's browser.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { ActionsBlock, ButtonElement } from '@rocket.chat/ui-kit';

import type { VisitorRequestView } from '../../vault/src/contract';
import { EngineHarness } from '../harness/engine';
import { httpJson, waitFor } from '../harness/http-json';
import type { SlowVault } from '../harness/slow-vault';
import { allowing, startSlowVault } from '../harness/slow-vault';
import { VaultProcess } from '../../testkit/vault-process';
import type { StoredMessage } from '../harness/world';

export interface Scene {
  harness: EngineHarness;
  vault: VaultProcess;
  /** Between the app and the vault when the scene was asked for a slow vault. */
  slowVault?: SlowVault;
  agent: IUser;
  room: ILivechatRoom;
}

/**
 * In-chat viewing (an admin's explicit choice; strict viewing is the default): the suites that
 * prove that mode's flows set it. Strict viewing has its own suites.
 */
export const IN_CHAT_VIEWING = { viewing_mode: 'in_chat' } as const;

export interface SceneOptions {
  settings?: Record<string, unknown>;
  vaultEnv?: Record<string, string>;
  /** Holds every app → vault call this long (a proxy in front of the vault); 0 or unset: none. */
  vaultDelayMs?: number;
}

export async function startScene(options: SceneOptions = {}): Promise<Scene> {
  const harness = await EngineHarness.boot();
  try {
    const apiUrl = await harness.serveApi();
    const vault = await VaultProcess.withSite({ origin: apiUrl, env: options.vaultEnv });
    const delayMs = options.vaultDelayMs || 0;
    const slowVault = delayMs > 0 ? await startSlowVault({ delayMs, upstream: vault.url }) : undefined;
    const settings: Record<string, unknown> = {
      vault_url: slowVault ? slowVault.url : vault.url,
      ...(slowVault ? { vault_timeout_ms: Math.max(15000, 3 * delayMs) } : {}),
      vault_api_key: vault.apiKey,
      site_id: vault.siteId,
      ...options.settings,
    };
    for (const [id, value] of Object.entries(settings)) {
      await harness.setSetting(id, value);
    }
    const agent = harness.world.addAgent('agent.smith', { name: 'Agent Smith' });
    const room = harness.world.addLivechatRoom({ servedBy: agent });
    return { harness, vault, agent, room, slowVault };
  } catch (err) {
    await harness.shutdown();
    throw err;
  }
}

export async function stopScene(scene: Scene | undefined): Promise<void> {
  if (!scene) {
    return;
  }
  try {
    await scene.harness.shutdown();
  } finally {
    await scene.vault.stop();
    await scene.slowVault?.close();
  }
}

/**
 * One scene for the describe block that calls this: started before its tests (then handed to
 * `onStart`, which keeps it and adds what the suite needs), stopped after them, and the app's logs
 * checked after each test.
 */
export function useScene(onStart: (scene: Scene) => void | Promise<void>, options: SceneOptions = {}): void {
  let scene: Scene | undefined;
  beforeAll(async () => {
    scene = await startScene(options);
    await onStart(scene);
  });
  afterAll(async () => {
    await stopScene(scene);
  });
  afterEach(async () => {
    await scene?.harness.checkLogs('the test');
  });
}

/** A user clicks *View* / *Reveal* for a request (from a notification or the Secure data bar). */
export async function clickView(scene: Scene, user: IUser, room: ILivechatRoom, requestId: string): Promise<void> {
  await scene.harness.blockAction({ actionId: 'request.view', value: requestId, user, room });
}

/** The URL of the last *Open secure viewer* button a user was handed privately. */
export function viewerLinkOf(scene: Scene, user: IUser): string {
  const notices = scene.harness.world.notificationsFor(user.id);
  for (let i = notices.length - 1; i >= 0; i -= 1) {
    const actions = (notices[i].message.blocks || []).find((b) => (b as ActionsBlock).type === 'actions') as
      ActionsBlock | undefined;
    const button = actions?.elements.find((e) => (e as ButtonElement).actionId === 'viewer.open') as
      ButtonElement | undefined;
    if (button?.url) {
      return button.url;
    }
  }
  throw new Error(`${user.username} was handed no viewer link`);
}

/** The link button of a visitor message the app posted. */
export function visitorLink(message: StoredMessage): string {
  const actions = (message.blocks || []).find((b) => (b as ActionsBlock).type === 'actions') as
    ActionsBlock | undefined;
  const link = actions && (actions.elements.find((e) => (e as ButtonElement).url) as ButtonElement | undefined);
  if (!link || !link.url) {
    throw new Error(`The message has no link button: ${JSON.stringify(message.blocks)}`);
  }
  return link.url;
}

/** The visitor link of the last message the app posted in the room. */
export function lastVisitorLink(scene: Scene, room: ILivechatRoom = scene.room): string {
  return visitorLink(lastMessageIn(scene, room));
}

/** The visitor opens the link the way the vault's page script does (JSON). */
export async function visitorOpens(url: string): Promise<VisitorRequestView> {
  const opened = await httpJson<VisitorRequestView>('GET', url);
  if (opened.status !== 200) {
    throw new Error(`Opening the visitor link answered ${opened.status}: ${opened.text}`);
  }
  return opened.body;
}

export async function visitorSubmits(view: VisitorRequestView, values: Record<string, string>): Promise<void> {
  const submitted = await httpJson('POST', view.submitUrl, { values });
  if (submitted.status !== 200) {
    throw new Error(`Submitting answered ${submitted.status}: ${submitted.text}`);
  }
}

/** The visitor opens the last link posted in the room and submits these values; returns the page it opened. */
export async function visitorAnswers(
  scene: Scene,
  values: Record<string, string>,
  room: ILivechatRoom = scene.room,
): Promise<VisitorRequestView> {
  const page = await visitorOpens(lastVisitorLink(scene, room));
  await visitorSubmits(page, values);
  return page;
}

export async function visitorCancels(view: VisitorRequestView): Promise<void> {
  const cancelled = await httpJson('POST', view.cancelUrl, {});
  if (cancelled.status !== 200) {
    throw new Error(`Cancelling answered ${cancelled.status}: ${cancelled.text}`);
  }
}

/** The request ID behind the last *View* / *Reveal* button a user was given privately. */
export function viewButtonValue(scene: Scene, user: IUser): string {
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node && typeof node === 'object') {
      const element = node as { actionId?: string; value?: string };
      if (element.actionId === 'request.view' && element.value) {
        values.push(element.value);
      }
      Object.values(node).forEach(walk);
    }
  };
  walk(scene.harness.world.notificationsFor(user.id).map((n) => n.message.blocks));
  if (values.length === 0) {
    throw new Error(`${user.username} was given no View button`);
  }
  return values[values.length - 1];
}

/** Texts of the private notifications a user got, in order. */
export function notificationTexts(scene: Scene, user: IUser): string[] {
  return scene.harness.world.notificationsFor(user.id).map((n) => n.message.text || '');
}

export async function waitForNotification(
  scene: Scene,
  user: IUser,
  pattern: RegExp,
  timeoutMs = allowing(10000, 3),
): Promise<string> {
  return waitFor(
    `a notification matching ${pattern} for ${user.username}`,
    () => notificationTexts(scene, user).find((t) => pattern.test(t)),
    timeoutMs,
  );
}

/** Opens the ID&V dialog with /idv and submits it with the given inputs (actionId → value). */
export async function sendIdv(
  scene: Scene,
  values: Record<string, unknown>,
  user: IUser = scene.agent,
  room: ILivechatRoom = scene.room,
) {
  await scene.harness.runCommand('idv', { user, room });
  const view = scene.harness.lastView(user.id);
  const response = await scene.harness.submitView(view, user, values);
  // The modal is answered at once; a scheduled job asks the vault and posts.
  await scene.harness.jobsSettled();
  return { view, response };
}

/** Opens the form picker with /secure-form and submits the chosen form. */
export async function sendForm(
  scene: Scene,
  formId: string,
  user: IUser = scene.agent,
  room: ILivechatRoom = scene.room,
) {
  await scene.harness.runCommand('secure-form', { user, room, params: [formId] });
  const view = scene.harness.lastView(user.id);
  const response = await scene.harness.submitView(view, user, { 'form.pick': formId });
  await scene.harness.jobsSettled();
  return { view, response };
}

export function lastMessageIn(scene: Scene, room: ILivechatRoom = scene.room): StoredMessage {
  const messages = scene.harness.world.messagesIn(room.id);
  if (messages.length === 0) {
    throw new Error('No message was posted in the room');
  }
  return messages[messages.length - 1];
}

/** The label/value pairs of the last answer a user was shown (a private notice, see reveal.ts). */
export function shownValues(scene: Scene, user: IUser): Array<[string, string]> {
  const shown = scene.harness.world
    .notificationsFor(user.id)
    .filter((n) => (n.message.blocks || []).some((b) => (b as { fields?: unknown }).fields));
  const last = shown[shown.length - 1];
  if (!last) {
    throw new Error(`${user.username} was shown no answer`);
  }
  return (last.message.blocks as Array<{ fields?: Array<{ text: string }> }>)
    .filter((b) => b.fields && b.fields.length === 2)
    .map((b) => [(b.fields as Array<{ text: string }>)[0].text, (b.fields as Array<{ text: string }>)[1].text]);
}
