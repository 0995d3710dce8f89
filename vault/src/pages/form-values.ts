/**
 * Reads the values out of the page's urlencoded POST, where each input is named `v.<fieldId>`.
 */
import { VaultError } from '../errors';
import { inputName } from './page-data';

const PREFIX = inputName('');

/** No form has more fields (LIMITS.fields is 50): a body with more values is refused before any is read. */
export const MAX_SUBMITTED_VALUES = 100;

/** The refusal for a body with more values than any form has, the same from the page and as JSON. */
export function tooManyValues(): VaultError {
  return new VaultError('bad_request', `There can be at most ${MAX_SUBMITTED_VALUES} values.`);
}

/**
 * Field id → value for every `v.`-named entry of a parsed form body; other entries are ignored.
 * A name sent twice (an array) is dropped, so the field reads as empty.
 * @example readFormValues({ 'v.pan': '4111 1111 1111 1111', action: 'x' }) // { pan: '4111 1111 1111 1111' }
 */
export function readFormValues(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) return {};
  const entries: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(body)) {
    if (name.startsWith(PREFIX) && typeof value === 'string') entries.push([name.slice(PREFIX.length), value]);
    if (entries.length > MAX_SUBMITTED_VALUES) throw tooManyValues();
  }
  return Object.fromEntries(entries);
}
