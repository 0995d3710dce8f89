/**
 * Secure forms as the catalog holds them, before they are put into one language and sent to the
 * vault as a `FormSpec`. Texts may be one string or one string per locale.
 */
import type { FormFieldSpec } from '../vault/contract';

/** "Card number", or { "en": "Card number", "es": "Número de tarjeta" }. */
export type LocalizedText = string | { [locale: string]: string };

/** A contract field whose texts may be localized: the rest must stay exactly as the vault takes it. */
export interface CatalogField extends Omit<FormFieldSpec, 'label' | 'hint'> {
  label: LocalizedText;
  hint?: LocalizedText;
}

export interface CatalogForm {
  id: string;
  title: LocalizedText;
  fields: CatalogField[];
  /** True for the app's own forms. */
  builtin?: boolean;
}
