/**
 * Card data a chat gives across messages, which no message alone shows:
 * - a card number typed in parts: "4111 1111", then "1111 1111". No message holds the 13 digits
 *   the card detector needs, so the digits that end an author's last message in a room are
 *   remembered, and when the next message starts with digits that complete a card number with them
 *   (a brand's prefix and length, and the checksum), those digits are masked whole: its last four
 *   would complete the number with the digits already saved;
 * - a security code answering a question: "What's the CVV on the back?", then "739". A message that
 *   names the code without giving one, or a form with a code field sent, is remembered, and the
 *   visitor's next bare short number is masked whole.
 * Both are kept in the app's process memory only, for two minutes. Pure functions, and that
 * memory.
 *
 * @example maskCompletedCard('1111 1111 thanks', ['4111', '1111']) // '•••• •••• thanks'
 */
import { cardBrandLengths, detectCardBrand, luhnValid } from '../../vault/src/contract/card';
import type { DigitGroup, Span } from './detectors';
import { CARD_MAX_GAP, digitChains, findBareCodeAnswer, isCardSeparator } from './detectors';
import type { FoldedText } from './folded-text';
import { foldText, originalOffset } from './folded-text';
import { ShortMemory } from '../lib/short-memory';
import { replaceFind } from './redact';

/** How long a message's digits, or its question for a security code, are remembered. */
export const ACROSS_MESSAGES_WINDOW_MS = 2 * 60 * 1000;
/** Keys (rooms, or authors in rooms) remembered at once; the oldest go first. */
const MAX_REMEMBERED = 5000;
/** At most this many characters between the digits and the message's edge ("card: ", " ok?"). */
const MAX_WORDS_AROUND = 20;
const MAX_CARD_DIGITS = 19;

/**
 * A card number as the vault's card fields read one (a brand's prefix and length) with the checksum:
 * stricter than the detector of one message's numbers, as two messages' digits joined match by chance more.
 */
function isCardNumber(digits: string): boolean {
  const brand = detectCardBrand(digits);
  return brand !== undefined && cardBrandLengths(brand).indexOf(digits.length) >= 0 && luhnValid(digits);
}

function chainsOf(folded: string): DigitGroup[][] {
  return digitChains(folded, isCardSeparator, CARD_MAX_GAP);
}

/**
 * `text` with the digits it starts with masked whole when they complete a card number with
 * `previous` (the digit groups that ended the author's last message); undefined when they do not.
 */
export function maskCompletedCard(text: string, previous: readonly string[]): string | undefined {
  if (previous.length === 0) return undefined;
  const folded = foldText(text);
  const first = chainsOf(folded.text)[0];
  if (!first || first[0].start > MAX_WORDS_AROUND) return undefined;
  let last = -1;
  for (let from = 0; from < previous.length; from += 1) {
    let digits = previous.slice(from).join('');
    for (let j = 0; j < first.length && digits.length + first[j].digits.length <= MAX_CARD_DIGITS; j += 1) {
      digits += first[j].digits;
      if (isCardNumber(digits)) last = Math.max(last, j);
    }
  }
  return last < 0 ? undefined : maskWhole(text, folded, { start: first[0].start, end: first[last].end });
}

/** `text` with the characters behind a span of its folded form masked whole. */
function maskWhole(text: string, folded: FoldedText, span: Span): string {
  const start = originalOffset(folded, span.start);
  const end = originalOffset(folded, span.end);
  return text.slice(0, start) + replaceFind(text.slice(start, end), { style: 'mask' }) + text.slice(end);
}

/** The last groups of `groups` that hold at most `max` digits together. */
function lastDigits(groups: readonly string[], max: number): string[] {
  let count = 0;
  let from = groups.length;
  while (from > 0 && count + groups[from - 1].length <= max) {
    count += groups[from - 1].length;
    from -= 1;
  }
  return groups.slice(from);
}

/**
 * What to remember of a message as saved (masked): the digit groups it ends with, after the ones
 * remembered before when it held nothing but digits ("4111", "1111 1111", "1111 1111" is a card
 * too); at most 18 digits, since a 19th would make a card on its own.
 */
export function digitsToRemember(savedText: string, previous: readonly string[]): string[] {
  const folded = foldText(savedText).text;
  const chains = chainsOf(folded);
  if (chains.length === 0) return [];
  const last = chains[chains.length - 1];
  const end = last[last.length - 1].end;
  if (folded.length - end > MAX_WORDS_AROUND) return [];
  const groups = last.map((group) => group.digits);
  const onlyDigits =
    chains.length === 1 && folded.slice(0, last[0].start).trim() === '' && folded.slice(end).trim() === '';
  return lastDigits(onlyDigits ? previous.concat(groups) : groups, MAX_CARD_DIGITS - 1);
}

/** `text` with its bare short number masked whole ("it's •••"), or undefined when it holds none. */
export function maskCodeAnswer(text: string): string | undefined {
  const folded = foldText(text);
  const found = findBareCodeAnswer(folded.text);
  return found ? maskWhole(text, folded, found) : undefined;
}

/** The digits that ended each author's last new message per chat, keyed `<roomId>:<author>`. */
export const recentDigits = new ShortMemory<string[]>(ACROSS_MESSAGES_WINDOW_MS, MAX_REMEMBERED);

/**
 * Chats whose last word on a card security code asked for one: a message naming the code without
 * giving it, or a secure form with a code field just sent (a visitor on SMS may answer in the chat).
 */
export const codeAsked = new ShortMemory<true>(ACROSS_MESSAGES_WINDOW_MS, MAX_REMEMBERED);
