/**
 * The checks every sending action starts with: the room re-read from the server, the caller's
 * right to send there, and a configured vault. A refusal is explained to the caller privately.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import { decideSendAccess } from '../platform/access';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { allowedRoleIds } from '../platform/roles';
import type { AppConfig } from '../settings/settings';
import { readAppConfig } from '../settings/settings';
import { withoutTrailing } from '../vault/contract';
import { connectionSettingProblems } from '../settings/vault-settings-check';
import { VaultClient } from '../vault/vault-client';
import type { VaultConnection } from '../vault/vault-client';
import { VaultCallError } from '../vault/vault-call-error';

/** What a send starts from once its checks passed (the vault's "sessions" are rooms; this is not one). */
export interface SendContext {
  config: AppConfig;
  room: ILivechatRoom;
  agent: IUser;
  t: Translator;
}

export function vaultConnection(config: AppConfig): VaultConnection {
  return {
    baseUrl: config.vaultUrl,
    apiKey: config.vaultApiKey,
    siteId: config.siteId,
    timeoutMs: config.vaultTimeoutMs,
  };
}

export function vaultClient(deps: Deps, config: AppConfig): VaultClient {
  return new VaultClient(deps.http, vaultConnection(config));
}

/** Where the vault rings the doorbell: the configured base, else the server's Site URL. */
export async function callbackUrlFor(deps: Deps, config: AppConfig): Promise<string> {
  let base = config.callbackBaseUrl;
  if (!base) {
    const siteUrl = await deps.read.getEnvironmentReader().getServerSettings().getValueById('Site_Url');
    base = typeof siteUrl === 'string' ? withoutTrailing(siteUrl.trim(), '/') : '';
  }
  if (!/^https?:\/\/\S+$/i.test(base)) {
    throw new VaultCallError('not_configured', 'Neither the callback URL setting nor the server Site URL is set');
  }
  return `${base}/api/apps/public/${deps.app.getID()}/vault-events`;
}

/** The room as the server has it now, whatever the interaction said. */
export async function currentRoom(deps: Deps, roomId: string | undefined): Promise<IRoom | undefined> {
  return roomId ? deps.read.getRoomReader().getById(roomId) : undefined;
}

/**
 * Why `user` may not send in `roomId` now (an i18n key), by the check beginSend makes; undefined
 * when they may. For a dialog's Send, so a refusal shows in the dialog: a notice to an agent the
 * chat was transferred away from would reach nobody.
 */
export async function sendRefusal(deps: Deps, user: IUser, roomId: string): Promise<string | undefined> {
  const config = await readAppConfig(deps.read);
  const roles = await allowedRoleIds(deps, user, config.senderRoles);
  const decision = decideSendAccess(await currentRoom(deps, roomId), user, roles);
  return decision.allowed ? undefined : decision.reason;
}

/**
 * Re-reads the room and checks the caller may send ID&V or forms in it. Returns undefined after
 * telling the caller privately why not. `interactionRoom` is what the client sent: used only for
 * its ID and as the place to answer when the server knows no such room.
 */
export async function beginSend(
  deps: Deps,
  user: IUser,
  roomId: string | undefined,
  interactionRoom?: IRoom,
): Promise<SendContext | undefined> {
  const t = translatorFor(await localeForUser(deps.read, user));
  const room = await currentRoom(deps, roomId);
  const config = await readAppConfig(deps.read);
  const decision = decideSendAccess(room, user, await allowedRoleIds(deps, user, config.senderRoles));
  const replyRoom = room || interactionRoom;
  if (!decision.allowed) {
    if (replyRoom) {
      await notifyPrivately(deps, user, replyRoom, t(decision.reason));
    }
    return undefined;
  }
  const problems = connectionSettingProblems(config);
  if (problems.length > 0) {
    deps.app.getLogger().warn({ msg: `Nothing was sent: ${problems.join('; ')}.`, roomId: decision.room.id });
    await notifyPrivately(deps, user, decision.room, t('error_not_configured'));
    return undefined;
  }
  return { config, room: decision.room, agent: user, t };
}
