/**
 * Card numbers (PANs) typed into the chat itself: found by shape (13 to 19 digits, optionally
 * grouped by single spaces or dashes) and the Luhn checksum, then masked down to the last four
 * digits before the message is saved. Pure functions.
 *
 * @example maskPans('my card is 4111 1111 1111 1111') // { text: 'my card is •••• •••• •••• 1111', masked: 1 }
 */
import { luhnValid } from '../../vault/src/contract/card';
import { MASK_CHARACTER } from './masking';

/** The contract's Luhn check, the one the vault's card rules use. */
export { luhnValid as passesLuhn };

const CANDIDATE = /(^|[^\d])(\d(?:[ -]?\d){12,18})(?![\d])/g;

function isCardNumber(run: string): boolean {
  const digits = run.replace(/\D/g, '');
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

function maskAllButLastFour(run: string): string {
  let digitsLeft = run.replace(/\D/g, '').length;
  return run.replace(/\d/g, (d) => (digitsLeft-- > 4 ? MASK_CHARACTER : d));
}

/**
 * Whether the text holds at least one card number: stops at the first one and builds no masked
 * copy, so the engine's cheap check before the modify hook stays cheap.
 */
export function containsPan(text: string): boolean {
  const candidates = new RegExp(CANDIDATE.source, 'g');
  for (let found = candidates.exec(text); found; found = candidates.exec(text)) {
    if (isCardNumber(found[2])) {
      return true;
    }
  }
  return false;
}

/** The text with every card number masked to its last four digits, and how many were masked. */
export function maskPans(text: string): { text: string; masked: number } {
  let masked = 0;
  const result = text.replace(CANDIDATE, (whole, before: string, run: string) => {
    if (!isCardNumber(run)) {
      return whole;
    }
    masked += 1;
    return `${before}${maskAllButLastFour(run)}`;
  });
  return { text: result, masked };
}
