/**
 * Secure forms as the catalog holds them, before they are put into one language and sent to the
 * vault as a `FormSpec`. Texts may be one string or one string per locale.
 */
import type { AutofillToken, FieldType, FormFieldSpec } from '../vault/contract';

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

/** Every field type the vault knows; typed so that a type added to or removed from the contract fails to compile here. */
export const FIELD_TYPE_SET: { readonly [type in FieldType]: true } = {
  text: true,
  number: true,
  card_number: true,
  expiry: true,
  cvv: true,
  ssn: true,
  date: true,
  email: true,
  select: true,
};

/** The autofill tokens a field may ask for, typed against the contract the same way. */
export const AUTOFILL_TOKEN_SET: { readonly [token in AutofillToken]: true } = {
  name: true,
  'honorific-prefix': true,
  'given-name': true,
  'additional-name': true,
  'family-name': true,
  'honorific-suffix': true,
  nickname: true,
  username: true,
  'organization-title': true,
  organization: true,
  'street-address': true,
  'address-line1': true,
  'address-line2': true,
  'address-line3': true,
  'address-level4': true,
  'address-level3': true,
  'address-level2': true,
  'address-level1': true,
  country: true,
  'country-name': true,
  'postal-code': true,
  'cc-name': true,
  'cc-given-name': true,
  'cc-additional-name': true,
  'cc-family-name': true,
  'cc-number': true,
  'cc-exp': true,
  'cc-exp-month': true,
  'cc-exp-year': true,
  'cc-csc': true,
  'cc-type': true,
  'transaction-currency': true,
  'transaction-amount': true,
  language: true,
  bday: true,
  'bday-day': true,
  'bday-month': true,
  'bday-year': true,
  sex: true,
  url: true,
  tel: true,
  'tel-country-code': true,
  'tel-national': true,
  'tel-area-code': true,
  'tel-local': true,
  'tel-extension': true,
  email: true,
};

export function isAutofillToken(value: unknown): value is AutofillToken {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(AUTOFILL_TOKEN_SET, value);
}

export function isFieldType(value: unknown): value is FieldType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(FIELD_TYPE_SET, value);
}
