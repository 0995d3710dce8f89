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

/** Names the pages post besides the values: the cancel and start forms' hidden input. */
const PAGE_CONTROLS: ReadonlySet<string> = new Set(['action']);

/**
 * Field id → value for every `v.`-named entry of a parsed form body. Anything else the pages never
 * send (another name, a name sent twice) is refused before the link is touched: read as nothing, it
 * would submit an all-optional form empty. The refusal names no entry: a name may hold a secret.
 * @example readFormValues({ 'v.pan': '4111 1111 1111 1111', action: 'x' }) // { pan: '4111 1111 1111 1111' }
 */
export function readFormValues(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const entries: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') throw new VaultError('bad_request', 'A form value was sent more than once.');
    if (!name.startsWith(PREFIX)) {
      if (PAGE_CONTROLS.has(name)) continue;
      throw new VaultError(
        'bad_request',
        `The form sent an entry this page does not have: each value is posted as "${PREFIX}<fieldId>".`,
      );
    }
    entries.push([name.slice(PREFIX.length), value]);
    if (entries.length > MAX_SUBMITTED_VALUES) throw tooManyValues();
  }
  return Object.fromEntries(entries);
}
