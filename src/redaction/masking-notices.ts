/**
 * The better path when a rule fires on a visitor's message: the visitor is told, in their
 * language, that the data was hidden and that the agent can send a secure form; the serving agent
 * is told privately, with a button that opens the secure form dialog. The form is then sent by
 * that agent like any other (the sender-only rule holds). Each rule is told at most once per chat.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';

import type { BuiltinFormId } from '../forms/builtin-forms';
import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import { ShortMemory } from '../lib/short-memory';
import { noticedRules, saveNoticedRules } from '../persistence/masking-notices';
import type { Deps } from '../platform/deps';
import { localeForUser, localeForVisitor } from '../platform/locale';
import { notifyPrivately, postRoomRecord } from '../platform/notify';
import { readAppConfig } from '../settings/settings';
import { maskingNoticeBlocks } from '../ui/masking-notice';
import type { BuiltinDetectorId } from './detectors';
import { maskingConfig } from './masking-config';
import { authorOf, isLivechatMessage } from './message-masking';

const WHAT: { [id in BuiltinDetectorId]: string } = {
  card: 'masking_what_card',
  cvv: 'masking_what_cvv',
  ssn: 'masking_what_ssn',
  iban: 'masking_what_iban',
  email: 'masking_what_email',
  phone: 'masking_what_phone',
};

/** The form that asks for what the rule found, where there is one. */
const SUGGESTED_FORM: { [id: string]: BuiltinFormId } = { card: 'card_payment', cvv: 'cvv_only', ssn: 'ssn' };

function what(t: Translator, ruleId: string): string {
  return t((WHAT as { [id: string]: string })[ruleId] || 'masking_what_custom');
}

/** How long the rules that fired on a visitor's message wait for that message's post-message hook. */
const TELL_WINDOW_MS = 60 * 1000;
const MAX_CHATS_WAITING = 5000;
/** Masked messages of one chat whose post hooks have not run yet (several, when they overlap). */
const MAX_WAITING_PER_CHAT = 10;

interface MaskedMessage {
  /**
   * The message's id, when it had one before it was saved (Rocket.Chat's livechat routes give one):
   * the post hook finds its message by it, whatever the server did to the text after the hooks
   * (its bad-words filter, another app's hook).
   */
  id?: string;
  /** Otherwise the text the modify hook saved. */
  text: string;
  rules: string[];
}

/**
 * The rules that fired on a visitor's message, per chat, from the modify hook to the post-message
 * hook of the same message (Rocket.Chat runs both in one app process). The cue cannot travel on
 * the message: Rocket.Chat refuses a message an app gave custom fields, unless the workspace
 * allows them and names each one (off by default), and the visitor would lose the message. A
 * message the server then refused never reaches a post hook, so nothing about it is told.
 */
const maskedToTell = new ShortMemory<MaskedMessage[]>(TELL_WINDOW_MS, MAX_CHATS_WAITING);

/** Called by the modify hook: these rules fired on the visitor's message, about to be saved as `savedText`. */
export function rememberRulesToTell(
  message: IMessage,
  savedText: string,
  fired: readonly string[],
  now = Date.now(),
): void {
  const roomId = message.room.id;
  const waiting = maskedToTell.get(roomId, now) || [];
  const masked: MaskedMessage = { id: message.id, text: savedText, rules: fired.slice() };
  maskedToTell.set(roomId, [...waiting, masked].slice(-MAX_WAITING_PER_CHAT), now);
}

function isVisitorsMessage(message: IMessage): boolean {
  return isLivechatMessage(message) && authorOf(message) === 'visitor';
}

function waitingFor(message: IMessage, now: number): MaskedMessage | undefined {
  if (!isVisitorsMessage(message)) return undefined;
  const text = message.text || '';
  return (maskedToTell.get(message.room.id, now) || []).find((masked) =>
    masked.id ? masked.id === message.id : masked.text === text,
  );
}

/** The rules that fired on a visitor's saved message, still to be told (the post hook's check). */
export function firedRulesToTell(message: IMessage, now = Date.now()): string[] {
  const masked = waitingFor(message, now);
  return masked ? masked.rules : [];
}

/** The same, forgotten: each masked message is told about once. */
function takeRulesToTell(message: IMessage, now: number): string[] {
  const masked = waitingFor(message, now);
  if (!masked) return [];
  const rest = (maskedToTell.get(message.room.id, now) || []).filter((other) => other !== masked);
  if (rest.length > 0) maskedToTell.set(message.room.id, rest, now);
  else maskedToTell.delete(message.room.id);
  return masked.rules;
}

export async function tellAboutMaskedMessage(deps: Deps, message: IMessage): Promise<void> {
  const fired = takeRulesToTell(message, Date.now());
  if (fired.length === 0 || !(await maskingConfig(deps.read)).notices) {
    return;
  }
  const room = message.room as ILivechatRoom;
  const told = await noticedRules(deps.read.getPersistenceReader(), room.id);
  const untold = fired.filter((id) => told.indexOf(id) < 0);
  if (untold.length === 0) {
    return;
  }
  await saveNoticedRules(deps.persis, room.id, [...told, ...untold]);
  const config = await readAppConfig(deps.read);
  const visitorT = translatorFor(await localeForVisitor(deps.read, config.visitorLanguage));
  const agent = room.servedBy ? await deps.read.getUserReader().getById(room.servedBy.id) : undefined;
  const agentT = agent ? translatorFor(await localeForUser(deps.read, agent)) : undefined;
  for (const ruleId of untold) {
    await postRoomRecord(deps, room, visitorT('masking_visitor_notice', { what: what(visitorT, ruleId) }));
    if (agent && agentT) {
      const suggested = SUGGESTED_FORM[ruleId];
      const formId = suggested && config.enabledBuiltins.indexOf(suggested) >= 0 ? suggested : '';
      const text = agentT('masking_agent_notice', { what: what(agentT, ruleId) });
      await notifyPrivately(deps, agent, room, text, maskingNoticeBlocks(deps.app.getID(), agentT, text, formId));
    }
  }
}
