/**
 * What the server-rendered page hands its script, and the element ids and classes both sides
 * rely on. Shared by `render.ts` and `client/visitor.ts`.
 */
import type { VisitorFieldView } from '../contract';

export const PAGE_DATA_ID = 'page-data';
export const FORM_ID = 'visitor-form';
export const CANCEL_FORM_ID = 'cancel-form';
export const START_FORM_ID = 'start-form';
export const ERROR_SUMMARY_ID = 'error-summary';
export const ERROR_SUMMARY_TITLE_ID = 'error-summary-title';
/** WCAG 3.3.8: the box for the whole ID&V secret (where the site allows it), its hint and its status line. */
export const IDV_PASTE_ID = 'idv-paste';
export const IDV_PASTE_INPUT_ID = 'idv-paste-input';
export const IDV_PASTE_HINT_ID = 'idv-paste-hint';
export const IDV_PASTE_STATUS_ID = 'idv-paste-status';

export const CLASSES = {
  field: 'field',
  fieldWithError: 'field--error',
  fieldError: 'field__error',
  visuallyHidden: 'visually-hidden',
  errorSummary: 'error-summary',
  errorSummaryList: 'error-summary__list',
  controlRow: 'control-row',
  brand: 'field__brand',
  toggle: 'button button--toggle',
} as const;

/** A field plus the id of its input (or select) element in the page. */
export interface PageField extends VisitorFieldView {
  elementId: string;
}

/** The `<script type="application/json" id="page-data">` block. Never holds a value. */
export interface VisitorPageData {
  locale: string;
  fields: PageField[];
  /** `error.*`, `brand.*` and `toggle.*` messages of the page's locale. */
  messages: Record<string, string>;
  summaryTitle: string;
  errorPrefix: string;
  /** "Characters 2 and 4 were filled in from it.": present only when the page has the paste box. */
  idvPasteFilled?: string;
}

/** The id of a field's input: the field id when it is a plain token, else its position. */
export function fieldElementId(fieldId: string, index: number): string {
  // "." never appears in the plain form, so the two kinds of id cannot collide.
  return /^[A-Za-z0-9_-]{1,64}$/.test(fieldId) ? `field-${fieldId}` : `field.${index}`;
}

/** The form input name that carries a field's value. */
export function inputName(fieldId: string): string {
  return `v.${fieldId}`;
}

export function errorElementId(elementId: string): string {
  return `${elementId}-error`;
}

/** A masked field's label, which its Show/Hide button points at for its description. */
export function labelElementId(elementId: string): string {
  return `${elementId}-label`;
}

/** The live region that names a card number's brand as it is typed. */
export function brandElementId(elementId: string): string {
  return `${elementId}-brand`;
}

export function hintElementId(elementId: string): string {
  return `${elementId}-hint`;
}
