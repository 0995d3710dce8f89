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
  /** Card data that goes from the vault straight to a payment processor: nobody views it. */
  relay?: CatalogRelay;
  /** True for the app's own forms. */
  builtin?: boolean;
}

/**
 * A form bound to a relay the vault's admin configured (`vault:cli relay set`). Parameters are
 * plain words or numbers the relay's template reads (`{{param.amount}}`): fixed ones here, the
 * rest typed by the agent on *Send to processor*.
 */
export interface CatalogRelay {
  /** The relay's ID in the vault. */
  id: string;
  /** e.g. `{ "currency": "eur" }`. */
  params?: { [name: string]: string };
  /** What the agent types when sending: `["amount"]`, or with a label and hint in the agent's language. */
  ask?: AskedParam[];
  /** Sent as soon as the visitor submits, with no click: only when nothing is asked of the agent. */
  sendOnSubmit?: boolean;
}

/** A parameter the agent types on *Send to processor*: its name in the template, and what the agent reads. */
export interface AskedParam {
  name: string;
  /** e.g. { "en": "Amount in cents", "es": "Importe en céntimos" }; the name when absent. */
  label?: LocalizedText;
  hint?: LocalizedText;
}
