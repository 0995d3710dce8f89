/**
 * Reads the values out of the page's urlencoded POST, where each input is named `v.<fieldId>`.
 */
import { inputName } from './page-data';

const PREFIX = inputName('');

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
  }
  return Object.fromEntries(entries);
}
