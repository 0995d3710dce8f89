/**
 * How a character of an ID&V answer reads to the agent, wherever it is shown (the app's private
 * notice and Reveal, the vault's viewer). A space is invisible, so it is named, and any other
 * character that shows nothing alone (a zero-width space, a combining accent) is given as its code
 * point; a digit or a fullwidth form typed in another script ("٧", "７") comes with the ASCII it
 * stands for, since the secret on record is compared character by character. Pure functions, lib
 * es2017.
 *
 * @example readAnswerCharacter('٧') // { character: '٧', space: false, ascii: '7' }
 * @example readAnswerCharacter(' ') // { character: ' ', space: true }
 * @example readAnswerCharacter('\u200b') // { character: '\u200b', space: false, codePoint: 'U+200B' }
 */
import { foldToAscii } from './ascii-fold';

export interface AnswerCharacter {
  character: string;
  /** Whitespace of any kind: shown by name ("[space]"). */
  space: boolean;
  /** The ASCII character it stands for, when that differs from what was typed. */
  ascii?: string;
  /** "U+200B": a character that shows nothing on its own (format characters, combining marks). */
  codePoint?: string;
}

// Built at run time: the app's compiler targets ES2017, whose regular expressions lack \p{…}.
const SHOWS_NOTHING_ALONE = new RegExp('^[\\p{Cf}\\p{Mn}\\p{Me}\\p{Co}\\p{Cn}]$', 'u');

export function readAnswerCharacter(character: string): AnswerCharacter {
  if (character !== '' && character.trim() === '') return { character, space: true };
  if (SHOWS_NOTHING_ALONE.test(character)) {
    const hex = (character.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
    return { character, space: false, codePoint: `U+${hex}` };
  }
  const ascii = foldToAscii(character);
  return ascii === character ? { character, space: false } : { character, space: false, ascii };
}

/**
 * The character as plain text: "[space]" (the caller's word for it, in brackets), "U+200B",
 * "٧ (7)", or the character itself.
 */
export function answerCharacterText(character: string, spaceWord: string): string {
  const read = readAnswerCharacter(character);
  if (read.space) return `[${spaceWord}]`;
  if (read.codePoint !== undefined) return read.codePoint;
  return read.ascii === undefined ? character : `${character} (${read.ascii})`;
}
