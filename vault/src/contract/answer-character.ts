/**
 * How a character of an ID&V answer reads to the agent, wherever it is shown (the app's private
 * notice and Reveal, the vault's viewer). A space is invisible, so it is named; a digit or a
 * fullwidth form typed in another script ("٧", "７") comes with the ASCII it stands for, since the
 * secret on record is compared character by character. Pure functions, lib es2017.
 *
 * @example readAnswerCharacter('٧') // { character: '٧', space: false, ascii: '7' }
 * @example readAnswerCharacter(' ') // { character: ' ', space: true }
 */
import { foldToAscii } from './ascii-fold';

export interface AnswerCharacter {
  character: string;
  /** Whitespace of any kind: shown by name ("[space]"). */
  space: boolean;
  /** The ASCII character it stands for, when that differs from what was typed. */
  ascii?: string;
}

export function readAnswerCharacter(character: string): AnswerCharacter {
  if (character !== '' && character.trim() === '') return { character, space: true };
  const ascii = foldToAscii(character);
  return ascii === character ? { character, space: false } : { character, space: false, ascii };
}

/**
 * The character as plain text: "[space]" (the caller's word for it, in brackets), "٧ (7)", or the
 * character itself.
 */
export function answerCharacterText(character: string, spaceWord: string): string {
  const read = readAnswerCharacter(character);
  if (read.space) return `[${spaceWord}]`;
  return read.ascii === undefined ? character : `${character} (${read.ascii})`;
}
