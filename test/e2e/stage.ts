/**
 * The end-to-end stage: the packaged app in the real Apps-Engine, its API on loopback, the real
 * vault (SQLite) on loopback registered through its CLI, and helpers that play the agent the way
 * Rocket.Chat's client does: room actions and slash commands that open modals, modal submits,
 * and the buttons of the messages the app posted.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUIKitSurface } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { ActionsBlock, ButtonElement } from '@rocket.chat/ui-kit';

import { httpJson } from '../harness/http-json';
import { e2eVaultDelayMs } from '../harness/slow-vault';
import type { JsonResponse } from '../harness/http-json';
import type { StoredMessage } from '../harness/world';
import type { Place } from './leak-scan';
import type { Scene } from '../integration/scene';
import { lastMessageIn, startScene } from '../integration/scene';

export { clickView, viewerLinkOf } from '../integration/scene';

/**
 * A custom catalog form with a select field, so the keyboard runs cover a select too
 * (the built-in forms have none).
 */
export const ACCOUNT_CHECK_FORM = {
  id: 'account_check',
  title: 'Account check',
  fields: [
    {
      id: 'account_type',
      label: 'Account type',
      type: 'select',
      required: true,
      options: ['Current account', 'Savings account', 'Credit card'],
    },
    { id: 'ssn', label: 'Social Security number', type: 'ssn', required: true, masked: true },
    { id: 'email', label: 'Email for the receipt', type: 'email', required: false },
  ],
};

export interface StageOptions {
  /** Extra app settings (the viewing mode). */
  settings?: Record<string, unknown>;
  /** Extra vault environment (short TTLs). */
  vaultEnv?: Record<string, string>;
}

/** The stage; with `E2E_VAULT_DELAY_MS` set, the app reaches the vault through a proxy that holds each call that long. */
export async function startStage(options: StageOptions = {}): Promise<Scene> {
  return startScene({
    vaultDelayMs: e2eVaultDelayMs(),
    settings: { form_catalog: JSON.stringify([ACCOUNT_CHECK_FORM]), ...options.settings },
    vaultEnv: {
      // Every page load of the suite comes from 127.0.0.1: the per-IP visitor limit (600/min) would
      // otherwise throttle a test run, not a visitor.
      VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '1000',
      VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '1000',
      // Debug logging makes the log scan stricter: more lines that could carry a value.
      VAULT_LOG_LEVEL: 'debug',
      ...options.vaultEnv,
    },
  });
}

/** A fresh open livechat chat served by `agent`. */
export function newChat(scene: Scene, agent: IUser = scene.agent, visitorName = 'Guest Visitor'): ILivechatRoom {
  return scene.harness.world.addLivechatRoom({ servedBy: agent, visitor: { name: visitorName } });
}

export type IdvDialogValues = {
  'idv.secret-kind': string;
  'idv.length': string;
  'idv.first-position': string;
  'idv.second-position': string;
  'idv.custom-label'?: string;
};

/** How the agent opens a dialog, as Rocket.Chat's client does it. */
type Opener = { roomAction: string } | { command: string; params?: string[] };

/**
 * The agent opens a dialog, fills and sends it; fails when the app answers with errors. Returns
 * the room's last message once the scheduled job asked the vault and posted.
 */
async function openAndSend(
  scene: Scene,
  room: ILivechatRoom,
  opener: Opener,
  values: Record<string, unknown>,
  agent: IUser,
): Promise<StoredMessage> {
  if ('roomAction' in opener) {
    await scene.harness.clickRoomAction(opener.roomAction, { user: agent, room });
  } else {
    await scene.harness.runCommand(opener.command, { user: agent, room, params: opener.params });
  }
  const modal: IUIKitSurface = scene.harness.lastView(agent.id);
  const response = await scene.harness.submitView(modal, agent, values);
  if (!response || (response as { success?: boolean }).success !== true) {
    throw new Error(`The agent's modal was not accepted: ${JSON.stringify(response)}`);
  }
  // The modal is answered at once; a scheduled job asks the vault and posts.
  await scene.harness.jobsSettled();
  return lastMessageIn(scene, room);
}

/** The agent asks for ID&V through the room action *Verify identity* → modal → Send. */
export const askIdvByRoomAction = (scene: Scene, room: ILivechatRoom, values: IdvDialogValues, agent = scene.agent) =>
  openAndSend(scene, room, { roomAction: 'room.verify-identity' }, values, agent);

/** The agent asks for ID&V with `/idv` → modal → Send. */
export const askIdvByCommand = (scene: Scene, room: ILivechatRoom, values: IdvDialogValues, agent = scene.agent) =>
  openAndSend(scene, room, { command: 'idv' }, values, agent);

/** The agent sends a form with `/secure-form <id>` → picker modal (pre-selected) → Send. */
export const sendFormByCommand = (scene: Scene, room: ILivechatRoom, formId: string, agent = scene.agent) =>
  openAndSend(scene, room, { command: 'secure-form', params: [formId] }, { 'form.pick': formId }, agent);

/** The agent sends a form through the room action *Send secure form* → picker modal → Send. */
export const sendFormByRoomAction = (scene: Scene, room: ILivechatRoom, formId: string, agent = scene.agent) =>
  openAndSend(scene, room, { roomAction: 'room.send-secure-form' }, { 'form.pick': formId }, agent);

function linkButton(message: StoredMessage): ButtonElement {
  const actions = (message.blocks || []).find((b) => (b as ActionsBlock).type === 'actions') as
    ActionsBlock | undefined;
  const button = actions && (actions.elements.find((e) => (e as ButtonElement).url) as ButtonElement | undefined);
  if (!button || !button.url) {
    throw new Error(`The message "${message.text}" has no link button`);
  }
  return button;
}

/** What the visitor's link button opens: the URL as the app posted it in the message. */
export function linkButtonUrl(message: StoredMessage): string {
  return linkButton(message).url as string;
}

/** The vault request behind a visitor message (the link button carries its ID as its value). */
export function requestIdOf(message: StoredMessage): string {
  const value = linkButton(message).value;
  if (!value) {
    throw new Error(`The link button of "${message.text}" carries no request ID`);
  }
  return value;
}

/** The text of every room message, in order: the chat's transcript as a human would read it. */
export function transcriptOf(scene: Scene, room: ILivechatRoom): string[] {
  return scene.harness.world.messagesIn(room.id).map((m) => m.text || '');
}

/** Calls the vault's API with the workspace's key, as the app would (for checks the app does not make). */
export function callVaultApi<T>(scene: Scene, method: string, path: string, body?: unknown): Promise<JsonResponse<T>> {
  return httpJson<T>(method, `${scene.vault.url}${path}`, body, { Authorization: `Bearer ${scene.vault.apiKey}` });
}

/** An expiry date a few years ahead, as MM/YY. */
export function futureExpiry(): string {
  return `11/${String((new Date().getUTCFullYear() + 3) % 100).padStart(2, '0')}`;
}

/**
 * Everything the Rocket.Chat side wrote or carried, for the canary scan: room messages (every
 * version), app persistence (every write and the end state), scheduled jobs with their data, the
 * engine's host calls, the app's log, each app ↔ vault exchange (both bodies), and the doorbells.
 * Notices and views are each test's to add: whose may hold what differs.
 */
export function rocketChatSidePlaces(scene: Scene): Place[] {
  const { world } = scene.harness;
  return [
    { name: 'room messages, every version', content: JSON.stringify(world.messageVersions) },
    { name: 'app persistence, every write', content: JSON.stringify(world.persistenceWrites) },
    { name: 'app persistence, final', content: JSON.stringify(Array.from(world.persistence.values())) },
    { name: 'scheduled jobs and their data', content: JSON.stringify(world.scheduledJobs) },
    { name: 'engine host calls', content: JSON.stringify(scene.harness.bridges.calls) },
    { name: 'app log (engine log storage)', content: scene.harness.logText() },
    ...world.httpExchanges.map((x, i) => ({
      name: `app ↔ vault HTTP #${i} ${x.method} ${x.url.replace(scene.vault.url, '')}`,
      content: `${x.url}\n${x.requestBody}\n${x.responseBody}`,
    })),
    { name: 'doorbells to the app', content: JSON.stringify(world.apiCalls) },
  ];
}
