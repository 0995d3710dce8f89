/**
 * Files uploaded to a livechat are checked before Rocket.Chat stores them: one in whose name or
 * text the masking rules find something is refused, with the reason, and the room is told
 * (src/redaction/upload-check.ts says what is read). Rocket.Chat runs this hook for every upload
 * of the workspace, after it has read the whole file; a file it refuses is never stored.
 */
import { FileUploadNotAllowedException } from '@rocket.chat/apps-engine/definition/exceptions';
import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IFileUploadContext } from '@rocket.chat/apps-engine/definition/uploads';
import type { IUploadDetails } from '@rocket.chat/apps-engine/definition/uploads/IUploadDetails';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { UserType } from '@rocket.chat/apps-engine/definition/users';

import { addMaskingCounts } from '../persistence/masking-counts';
import type { Deps } from '../platform/deps';
import { maskingConfig } from '../redaction/masking-config';
import { refusedUploadReason, tellAboutRefusedUpload } from '../redaction/masking-notices';
import { checkUploadedFile } from '../redaction/upload-check';

interface Uploader {
  room: ILivechatRoom;
  /** The agent (or other user) who uploads; undefined for the room's visitor. */
  user?: IUser;
}

/** Who uploads into which livechat; undefined outside livechat rooms and for apps' own files. */
async function uploaderOf(read: IRead, file: IUploadDetails): Promise<Uploader | undefined> {
  const room = await read.getRoomReader().getById(file.rid);
  if (!room || room.type !== RoomType.LIVE_CHAT) {
    return undefined;
  }
  // A visitor's upload carries the visitor's token and no user.
  if (file.visitorToken) {
    return { room: room as ILivechatRoom };
  }
  const user = file.userId ? await read.getUserReader().getById(file.userId) : undefined;
  return user && user.type !== UserType.APP ? { room: room as ILivechatRoom, user } : undefined;
}

export async function checkUpload(deps: Deps, context: IFileUploadContext): Promise<void> {
  const uploader = await uploaderOf(deps.read, context.file);
  if (!uploader) {
    return;
  }
  const { rules } = await maskingConfig(deps.read);
  const author = uploader.user ? 'agent' : 'visitor';
  const check = checkUploadedFile(context.file.name || '', context.content, rules, author);
  const roomId = uploader.room.id;
  if (check.unfinished.length > 0) {
    deps.app.getLogger().warn({
      msg: 'Masking rules ran out of their time budget on an uploaded file: what they had not reached was stored as sent',
      rules: check.unfinished,
      roomId,
    });
  }
  const counts: { [key: string]: number } = {};
  check.found.forEach((id) => (counts[`${id}:file-refused`] = 1));
  check.unfinished.forEach((id) => (counts[`${id}:timed-out`] = 1));
  if (Object.keys(counts).length > 0) {
    try {
      await addMaskingCounts(deps.read.getPersistenceReader(), deps.persis, roomId, counts);
    } catch (err) {
      deps.app.getLogger().warn({ msg: 'A refused upload could not be counted', roomId, error: String(err) });
    }
  }
  if (check.found.length === 0) {
    return;
  }
  const ruleId = check.found[0];
  const reason = await refusedUploadReason(deps, uploader.user, ruleId);
  if (!uploader.user) {
    // The upload fails whatever the telling does: a failed notice is only logged.
    try {
      await tellAboutRefusedUpload(deps, uploader.room, ruleId);
    } catch (err) {
      deps.app.getLogger().warn({ msg: 'A refused upload could not be told about', roomId, error: String(err) });
    }
  }
  throw new FileUploadNotAllowedException(reason);
}
