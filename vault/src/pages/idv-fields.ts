/**
 * ID&V as ordinary form fields, so the page, its script and the server's checks need nothing
 * special: one masked one-character field per asked position, keyed by the position.
 */
import type { IdvSpec, VisitorFieldView } from '../contract';
import { t } from './i18n';

/**
 * @example idvFields({ label: 'PIN', positions: [2, 4] }, 'en')
 * // [{ id: '2', label: 'Character 2', type: 'text', required: true, masked: true, minLength: 1, maxLength: 1, keepsSpace: true, … }, …]
 */
export function idvFields(idv: IdvSpec, locale: string): VisitorFieldView[] {
  return idv.positions.map((position) => ({
    id: String(position),
    label: t(locale, 'idv.character', { position }),
    type: 'text',
    required: true,
    masked: true,
    offTheRecord: true,
    minLength: 1,
    maxLength: 1,
    keepsSpace: true,
  }));
}
