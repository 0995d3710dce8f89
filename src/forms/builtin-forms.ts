/**
 * The forms the app ships: card payment, CVV only, SSN and a security question. Their texts come
 * from i18n/*.json, so the visitor page shows them in the visitor's language.
 */
import { SUPPORTED_LOCALES, translate } from '../i18n/i18n';
import type { CatalogField, CatalogForm, LocalizedText } from './catalog-types';

export const BUILTIN_FORM_IDS = ['card_payment', 'cvv_only', 'ssn', 'security_question'] as const;
export type BuiltinFormId = (typeof BUILTIN_FORM_IDS)[number];

interface BuiltinField extends Omit<CatalogField, 'label' | 'hint'> {
  labelKey: string;
  hintKey?: string;
}

interface BuiltinForm {
  id: BuiltinFormId;
  titleKey: string;
  fields: BuiltinField[];
}

const CVV: BuiltinField = {
  id: 'cvv',
  labelKey: 'field_cvv',
  hintKey: 'field_cvv_hint',
  type: 'cvv',
  required: true,
  masked: true,
  offTheRecord: true,
};

const BUILTIN_FORMS: readonly BuiltinForm[] = [
  {
    id: 'card_payment',
    titleKey: 'form_card_payment_title',
    fields: [
      {
        id: 'cardholder',
        labelKey: 'field_cardholder_name',
        type: 'text',
        required: true,
        maxLength: 80,
        autocomplete: 'cc-name',
      },
      { id: 'pan', labelKey: 'field_card_number', type: 'card_number', required: true, masked: true },
      {
        id: 'expiry',
        labelKey: 'field_card_expiry',
        hintKey: 'field_card_expiry_hint',
        type: 'expiry',
        required: true,
      },
      CVV,
    ],
  },
  { id: 'cvv_only', titleKey: 'form_cvv_only_title', fields: [CVV] },
  {
    id: 'ssn',
    titleKey: 'form_ssn_title',
    fields: [
      { id: 'ssn', labelKey: 'field_ssn', hintKey: 'field_ssn_hint', type: 'ssn', required: true, masked: true },
    ],
  },
  {
    id: 'security_question',
    titleKey: 'form_security_question_title',
    fields: [
      { id: 'answer', labelKey: 'field_security_answer', type: 'text', required: true, masked: true, maxLength: 100 },
    ],
  },
];

function allLocales(key: string): LocalizedText {
  const text: { [locale: string]: string } = {};
  SUPPORTED_LOCALES.forEach((locale) => {
    text[locale] = translate(locale, key);
  });
  return text;
}

/** The enabled built-in forms, in catalog shape, with texts in every supported language. */
export function builtinCatalog(enabled: readonly BuiltinFormId[]): CatalogForm[] {
  return BUILTIN_FORMS.filter((form) => enabled.indexOf(form.id) >= 0).map((form) => ({
    id: form.id,
    title: allLocales(form.titleKey),
    builtin: true,
    fields: form.fields.map(({ labelKey, hintKey, ...field }) => ({
      ...field,
      label: allLocales(labelKey),
      ...(hintKey ? { hint: allLocales(hintKey) } : {}),
    })),
  }));
}
