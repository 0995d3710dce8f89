/**
 * GDPR erasure and export of one visitor's secure requests (Art. 17 and 20), for administrators:
 * `/idv-privacy erase|export [room <roomId> | visitor <token>]` (no target: the livechat room the
 * command is typed in). The vault does the work and audits it; on erasure the app then forgets its
 * own records of those rooms. Answers go to the admin by private notice (never stored).
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { translatorFor } from '../i18n/i18n';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { readAppConfig } from '../settings/settings';
import type { VisitorDataBody } from '../vault/contract';
import { LIMITS } from '../vault/contract';
import { loggableError, outcomeUnknown } from '../vault/vault-call-error';
import { isVaultConfigured } from '../vault/vault-client';
import { removeRoomData } from '../requests/forget-room';
import { vaultClient, vaultConnection } from '../requests/send-context';

/** Only workspace administrators may erase or export a visitor's data; the server checks it here. */
export const PRIVACY_ROLE = 'admin';

type Target = { roomId: string } | { visitorToken: string };

/** `[room <id> | visitor <token>]`, or the current livechat room; undefined when neither fits. */
export function parseTarget(args: string[], room: IRoom): Target | undefined {
  const [kind, value] = args;
  if (args.length > 2) {
    return undefined;
  }
  if (kind === 'room' && value) {
    return { roomId: value };
  }
  if (kind === 'visitor' && value) {
    return { visitorToken: value };
  }
  if (kind === undefined && room.type === RoomType.LIVE_CHAT) {
    return { roomId: room.id };
  }
  return undefined;
}

/** Longer than the vault takes, so no room or visitor can be named so: said before asking it. */
function isTooLong(target: Target): boolean {
  return 'roomId' in target ? target.roomId.length > LIMITS.opaqueId : target.visitorToken.length > LIMITS.visitorToken;
}

export async function runPrivacyCommand(deps: Deps, admin: IUser, room: IRoom, args: string[]): Promise<void> {
  const t = translatorFor(await localeForUser(deps.read, admin));
  const tell = (text: string) => notifyPrivately(deps, admin, room, text);
  const [verb, ...rest] = args;
  if ((admin.roles || []).indexOf(PRIVACY_ROLE) < 0) {
    deps.app.getLogger().warn({ msg: 'Privacy command refused: not an administrator', userId: admin.id });
    return tell(t('privacy_admins_only'));
  }
  const target = verb === 'erase' || verb === 'export' ? parseTarget(rest, room) : undefined;
  if (!target) {
    return tell(t('privacy_usage'));
  }
  if (isTooLong(target)) {
    return tell(t('privacy_target_too_long', { roomMax: LIMITS.opaqueId, tokenMax: LIMITS.visitorToken }));
  }
  const config = await readAppConfig(deps.read);
  if (!isVaultConfigured(vaultConnection(config))) {
    return tell(t('error_not_configured'));
  }
  const client = vaultClient(deps, config);
  const body: VisitorDataBody = { ...target, adminId: admin.id };
  try {
    if (verb === 'erase') {
      const erased = await client.eraseVisitor(body);
      for (const roomId of erased.roomIds) await removeRoomData(deps, roomId);
      deps.app.getLogger().info({
        msg: 'Visitor data erased',
        adminId: admin.id,
        requests: erased.erased.requests,
        rooms: erased.roomIds.length,
      });
      return tell(
        t('privacy_erased', {
          requests: erased.erased.requests,
          records: erased.erased.records,
          rooms: erased.roomIds.length,
        }),
      );
    }
    const exported = await client.exportVisitor(body);
    deps.app.getLogger().info({ msg: 'Visitor data exported', adminId: admin.id, requests: exported.requests.length });
    return tell(
      `${t('privacy_exported', { requests: exported.requests.length })}\n\`\`\`\n${JSON.stringify(exported, null, 2)}\n\`\`\``,
    );
  } catch (err) {
    deps.app.getLogger().warn({ msg: 'Privacy command failed at the vault', verb, error: loggableError(err) });
    // A slow erasure can outlast the app's timeout after the vault deleted everything, and a retry
    // then names no room: when the vault may have acted, a room the admin named is forgotten. A
    // refusal (a wrong key, a bad target) erased nothing, and the room's open requests stay known.
    if (verb === 'erase' && outcomeUnknown(err)) {
      if ('roomId' in target) await removeRoomData(deps, target.roomId);
      return tell(t('privacy_uncertain'));
    }
    return tell(t('privacy_failed'));
  }
}
