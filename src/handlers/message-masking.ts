/**
 * Sensitive data typed into a livechat message is masked before Rocket.Chat saves it (a message
 * edited later keeps its original in the history, so masking afterwards would be too late), then
 * the visitor and the serving agent are told (src/redaction/masking-notices.ts).
 *
 * Rocket.Chat runs these hooks for every message of the workspace, each as a round trip into the
 * app's process. The engine asks the check first and runs the modify hook only when it says yes:
 * the check answers no at once, reading nothing, for anything that is not a livechat message, and
 * otherwise says yes only when a rule fires (BENCHMARKS.md, "Message hooks", has the figures).
 * A failing modify hook saves the message unmasked, so counting can never fail it.
 */
import type { IMessageBuilder, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';

import { addMaskingCounts } from '../persistence/masking-counts';
import type { AppRef, Deps } from '../platform/deps';
import { maskingConfig } from '../redaction/masking-config';
import { firedRulesToTell, tellAboutMaskedMessage } from '../redaction/masking-notices';
import {
  authorOf,
  isLivechatMessage,
  MASKED_RULES_FIELD,
  maskingFired,
  maskMessage,
} from '../redaction/message-masking';

function hasWords(message: IMessage): boolean {
  return (
    (typeof message.text === 'string' && message.text !== '') ||
    (Array.isArray(message.attachments) && message.attachments.length > 0)
  );
}

/** The check before the modify hooks: cheap, and true only when a rule fires. */
export async function needsMasking(message: IMessage, read: IRead): Promise<boolean> {
  if (!isLivechatMessage(message) || !hasWords(message) || !authorOf(message)) {
    return false;
  }
  return maskingFired(maskMessage(message, (await maskingConfig(read)).rules));
}

/** The message as it may be saved: masked, marked for the notices when a visitor wrote it, and counted. */
export async function maskBeforeSaving(
  app: AppRef,
  message: IMessage,
  builder: IMessageBuilder,
  read: IRead,
  persis: IPersistence,
): Promise<IMessage> {
  if (!isLivechatMessage(message) || !hasWords(message)) {
    return message;
  }
  const masking = maskMessage(message, (await maskingConfig(read)).rules);
  if (!maskingFired(masking)) {
    return message;
  }
  if (masking.text !== undefined) {
    builder.setText(masking.text);
  }
  if (masking.attachments) {
    builder.setAttachments(masking.attachments);
  }
  const fired = Object.keys(masking.hits);
  if (fired.length > 0 && authorOf(message) === 'visitor') {
    builder.addCustomField(MASKED_RULES_FIELD, fired);
  }
  const roomId = message.room.id;
  if (masking.unfinished.length > 0) {
    app.getLogger().warn({
      msg: 'Masking rules ran out of their time budget on a message: what they had not reached was saved as typed',
      rules: masking.unfinished,
      roomId,
    });
  }
  const counts = { ...masking.hits };
  masking.unfinished.forEach((id) => (counts[`${id}:timed-out`] = 1));
  try {
    await addMaskingCounts(read.getPersistenceReader(), persis, roomId, counts);
  } catch (err) {
    app.getLogger().warn({ msg: 'A masked message could not be counted', roomId, error: String(err) });
  }
  return builder.getMessage();
}

/** The check before the notices, after saving: only a visitor's message the modify hook marked. */
export function needsMaskingNotice(message: IMessage): boolean {
  return firedRulesToTell(message).length > 0;
}

export async function tellAboutMasking(deps: Deps, message: IMessage): Promise<void> {
  await tellAboutMaskedMessage(deps, message);
}
