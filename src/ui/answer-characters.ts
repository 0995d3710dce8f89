/**
 * The characters of an ID&V answer as the sending agent reads them: a space by name, what shows
 * nothing alone by its code point, a digit of another script with its ASCII digit (the contract's
 * rule, shared with the vault's viewer).
 */
import type { Translator } from '../i18n/i18n';
import { answerCharacterText, readAnswerCharacter } from '../../vault/src/contract/answer-character';

/**
 * For the private notice, whose text Rocket.Chat reads as markdown: the character in inline code,
 * so it shows in a monospaced font (0 and O, 1, l and I differ) and is never read as markup ("*"
 * and "*" would otherwise turn the words between them bold and vanish). A backtick cannot sit in
 * inline code: it gets Rocket.Chat's escape.
 *
 * @example noticeCharacter('٧', t) // '`٧` (7)'
 */
export function noticeCharacter(character: string, t: Translator): string {
  const read = readAnswerCharacter(character);
  if (read.space || read.codePoint !== undefined) return plainCharacter(character, t);
  const shown = character === '`' ? '\\`' : `\`${character}\``;
  return read.ascii === undefined ? shown : `${shown} (${read.ascii})`;
}

/** For blocks of plain text (Reveal): "[space]", "٧ (7)", or the character itself. */
export function plainCharacter(character: string, t: Translator): string {
  return answerCharacterText(character, t('idv_character_space'));
}
