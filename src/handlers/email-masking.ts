/**
 * Rocket.Chat's mailer runs IPreEmailSent before every e-mail and sends what the apps return. The
 * livechat offline form's e-mail, a visitor's words sent while no agent is online, is masked as a
 * chat message is (src/redaction/offline-email.ts); every other e-mail goes out as it came.
 *
 * It fails open, as the message hooks do: on an unexpected error the e-mail goes as it came, with a
 * warning naming no content. One too long to read in bounded time is refused instead: Rocket.Chat
 * then answers the visitor's widget with an error, and the visitor keeps what they typed.
 */
import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IEmailDescriptor, IPreEmailSentContext } from '@rocket.chat/apps-engine/definition/email';
import { AppsEngineException } from '@rocket.chat/apps-engine/definition/exceptions';

import type { AppRef } from '../platform/deps';
import { maskingConfig } from '../redaction/masking-config';
import {
  isOfflineFormEmail,
  maskOfflineEmail,
  MAX_OFFLINE_EMAIL_CHARS,
  offlineEmailLength,
} from '../redaction/offline-email';

/**
 * The answer for an e-mail the app leaves alone: none. The app runtime writes each hook's result to
 * the app's log, which Rocket.Chat keeps in its database, and every e-mail of the workspace passes
 * this hook (password resets, sign-in codes): the mailer reads no answer as "send it as it was".
 */
const UNCHANGED = undefined as unknown as IEmailDescriptor;

/** The refusal's words: Rocket.Chat logs them and shows the visitor its own generic error. */
export const OFFLINE_EMAIL_TOO_LONG = 'An offline form message too long to be checked for card data was refused.';

export async function maskEmailBeforeSending(
  app: AppRef,
  context: IPreEmailSentContext,
  read: IRead,
): Promise<IEmailDescriptor> {
  const email = context?.email;
  if (!isOfflineFormEmail(email)) return UNCHANGED;
  const characters = offlineEmailLength(email);
  if (characters > MAX_OFFLINE_EMAIL_CHARS) {
    app.getLogger().warn({ msg: 'Refused an offline form e-mail too long to mask in bounded time', characters });
    throw new AppsEngineException(OFFLINE_EMAIL_TOO_LONG);
  }
  try {
    const masking = maskOfflineEmail(email, (await maskingConfig(read)).rules);
    const rules = Object.keys(masking.hits);
    if (rules.length > 0 || masking.unfinished.length > 0) {
      app.getLogger().info({ msg: 'Masked an offline form e-mail', rules, unfinished: masking.unfinished });
    }
    return masking.email;
  } catch (err) {
    app
      .getLogger()
      .warn({ msg: 'An offline form e-mail could not be masked: it goes as typed', error: errorName(err) });
    return UNCHANGED;
  }
}

/** Only the error's kind: its message might quote what it was reading. */
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
