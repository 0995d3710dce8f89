/**
 * The visitor pages as plain server-rendered HTML5: the request page (a secure form or an ID&V
 * question) and the notice pages. No inline script or style, so the strict CSP holds; the page
 * loads `/assets/visitor.css` and `/assets/visitor.js` and passes data in a JSON block.
 */
import type { AutofillToken, FieldType, IdvSpec, VisitorFieldView, VisitorRequestView } from '../contract';
import type { FieldError } from '../contract/field-rules';
import { ownValue } from '../contract/own-value';
import { accentStylesheetPath, logoPath, type PageBrand } from './brand';
import { html, jsonForScript, type SafeHtml } from './html';
import { clientMessages, fieldErrorMessage, formatList, t, type MessageKey } from './i18n';
import {
  CANCEL_FORM_ID,
  CLASSES,
  ERROR_SUMMARY_ID,
  ERROR_SUMMARY_TITLE_ID,
  FORM_ID,
  IDV_PASTE_HINT_ID,
  IDV_PASTE_ID,
  IDV_PASTE_INPUT_ID,
  IDV_PASTE_STATUS_ID,
  PAGE_DATA_ID,
  labelElementId,
  brandElementId,
  START_FORM_ID,
  errorElementId,
  fieldElementId,
  hintElementId,
  inputName,
  type PageField,
  type VisitorPageData,
} from './page-data';

export const STYLESHEET_URL = '/assets/visitor.css';
export const SCRIPT_URL = '/assets/visitor.js';

export type NoticeKind = 'link_invalid' | 'submitted' | 'cancelled' | 'error' | 'rate_limited';
export const NOTICE_KINDS: readonly NoticeKind[] = ['link_invalid', 'submitted', 'cancelled', 'error', 'rate_limited'];

export interface RequestPageModel {
  view: VisitorRequestView;
  locale: string;
  /** What the visitor sent, to refill after a server-side error; masked fields are never refilled. */
  values?: Record<string, string>;
  /** Field id → error, from `validateValues`; shown inline and in the summary. */
  errors?: Record<string, FieldError>;
  /** ID&V only: the site lets the visitor paste the whole secret (`site idv-paste`, off by default). */
  idvPaste?: boolean;
  /** The site's branding (`site brand`); neutral without. */
  brand?: PageBrand;
  /** The path every URL of the page starts with: VAULT_PUBLIC_URL's (VaultConfig.publicPath); '' at the root. */
  base?: string;
}

interface PageShell {
  locale: string;
  documentTitle: string;
  content: SafeHtml;
  withScript: boolean;
  brand?: PageBrand;
  base: string;
}

/**
 * "<Company> secure form" with the site's logo, so visitors can tell the page from a look-alike;
 * the plain "Secure page" badge without a brand. The logo is decorative: the name says whose it is.
 * The name is isolated (U+2068…U+2069) so a right-to-left name or page cannot reorder the words.
 */
function renderBadge(locale: string, brand: PageBrand | undefined, base: string): SafeHtml {
  if (!brand) return html`<p class="badge">${t(locale, 'page.badge')}</p>`;
  const logo = brand.logo
    ? html`<img class="brand__logo" src="${base}${logoPath(brand.logo.sha256)}" alt="" width="${String(brand.logo.width)}" height="${String(brand.logo.height)}">
`
    : '';
  return html`<div class="brand">
${logo}<p class="brand__name">${t(locale, 'page.brand', { company: `\u2068${brand.displayName}\u2069` })}</p>
</div>`;
}

function page({ locale, documentTitle, content, withScript, brand, base }: PageShell): string {
  return html`<!DOCTYPE html>
<html lang="${locale}" dir="${t(locale, 'meta.dir') === 'rtl' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>${documentTitle}</title>
<link rel="stylesheet" href="${base}${STYLESHEET_URL}">
${brand?.accentColour ? html`<link rel="stylesheet" href="${base}${accentStylesheetPath(brand.accentColour)}">\n` : ''}${withScript ? html`<script src="${base}${SCRIPT_URL}" defer></script>\n` : ''}</head>
<body>
<main class="page">
<div class="card${brand ? ' card--branded' : ''}">
${renderBadge(locale, brand, base)}
${content}
</div>
</main>
</body>
</html>
`.value;
}

/** A secret is typed unseen (a password input). */
function isSecret(field: VisitorFieldView, view: VisitorRequestView): boolean {
  return field.masked || field.type === 'cvv' || view.kind === 'idv';
}

/**
 * Whether a page shown again after a server-side error holds the value sent: never a secret, a
 * card number, an SSN or an off-the-record answer, which the visitor types again instead.
 */
function isRefilled(field: VisitorFieldView, view: VisitorRequestView): boolean {
  return !isSecret(field, view) && field.type !== 'card_number' && field.type !== 'ssn' && !field.offTheRecord;
}

const DEFAULT_HINTS: Partial<Record<FieldType, MessageKey>> = {
  card_number: 'hint.card_number',
  expiry: 'hint.expiry',
  cvv: 'hint.cvv',
  ssn: 'hint.ssn',
  date: 'hint.date',
};

/** The keyboard phones show: digits only where only digits (and the spaces we add) belong. */
const INPUT_MODES: Partial<Record<FieldType, string>> = {
  card_number: 'numeric',
  // A phone's digit pad has no "/": an expiry is taken as bare "0429" too (parseExpiry).
  expiry: 'numeric',
  cvv: 'numeric',
  ssn: 'numeric',
  number: 'decimal',
};

/** Values that read left to right in every language: kept so inside right-to-left pages. */
const LEFT_TO_RIGHT_TYPES: ReadonlySet<FieldType> = new Set<FieldType>([
  'card_number',
  'expiry',
  'cvv',
  'ssn',
  'number',
  'date',
  'email',
]);

const DEFAULT_AUTOCOMPLETE: Partial<Record<FieldType, AutofillToken>> = {
  card_number: 'cc-number',
  expiry: 'cc-exp',
  cvv: 'cc-csc',
  email: 'email',
};

/**
 * What the browser may fill in (WCAG 1.3.5): the field's own token, else its type's. ID&V answers
 * are characters of a remembered secret: never offered to autofill.
 */
export function autocompleteToken(field: VisitorFieldView, view: Pick<VisitorRequestView, 'kind'>): string {
  if (view.kind === 'idv') return 'off';
  return field.autocomplete ?? DEFAULT_AUTOCOMPLETE[field.type] ?? 'off';
}

interface FieldContext {
  view: VisitorRequestView;
  locale: string;
  values: Record<string, string>;
  errors: Record<string, FieldError>;
}

function renderControl(field: PageField, ctx: FieldContext, describedBy: string, invalid: boolean): SafeHtml {
  const secret = isSecret(field, ctx.view);
  const value = isRefilled(field, ctx.view) ? ownValue(ctx.values, field.id) : undefined;
  const common = html`id="${field.elementId}" name="${inputName(field.id)}"${field.required ? html` required` : ''}${
    describedBy ? html` aria-describedby="${describedBy}"` : ''
  }${invalid ? html` aria-invalid="true"` : ''}`;
  if (field.type === 'select') {
    const options = (field.options ?? []).map(
      (option) =>
        html`<option value="${option.value}"${option.value === value ? html` selected` : ''}>${option.label}</option>`,
    );
    return html`<select class="control" ${common}><option value="">${t(ctx.locale, 'form.choose')}</option>${options}</select>`;
  }
  const type = secret ? 'password' : field.type === 'email' ? 'email' : 'text';
  const mode = INPUT_MODES[field.type];
  const inputMode = mode ? html` inputmode="${mode}"` : '';
  const direction = LEFT_TO_RIGHT_TYPES.has(field.type) ? html` dir="ltr"` : '';
  const width =
    ctx.view.kind === 'idv'
      ? ' control--char'
      : field.type === 'cvv' || field.type === 'expiry'
        ? ' control--short'
        : '';
  return html`<input class="control${width}" type="${type}" ${common} autocomplete="${autocompleteToken(field, ctx.view)}"${
    inputMode
  }${direction} autocapitalize="none" autocorrect="off" spellcheck="false"${value !== undefined ? html` value="${value}"` : ''}>`;
}

/** Masked inputs of a form get a Show/Hide button from the page script (ID&V answers do not). */
function hasToggle(field: VisitorFieldView, view: VisitorRequestView): boolean {
  return view.kind === 'form' && field.type !== 'select' && isSecret(field, view);
}

/**
 * The input, in a row the page script adds a Show/Hide button to when the field is masked; a card
 * number also gets a live region where the script names the brand as it is typed.
 */
function renderControlRow(field: PageField, ctx: FieldContext, describedBy: string, invalid: boolean): SafeHtml {
  const control = renderControl(field, ctx, describedBy, invalid);
  if (ctx.view.kind === 'idv' || field.type === 'select') return control;
  const brand =
    field.type === 'card_number'
      ? html`<p class="${CLASSES.brand}" id="${brandElementId(field.elementId)}" aria-live="polite"></p>\n`
      : '';
  return html`<div class="${CLASSES.controlRow}">${control}</div>\n${brand}`;
}

function renderField(field: PageField, ctx: FieldContext): SafeHtml {
  const error = ownValue(ctx.errors, field.id);
  const hintKey = DEFAULT_HINTS[field.type];
  const hint = field.hint ?? (hintKey && ctx.view.kind === 'form' ? t(ctx.locale, hintKey) : undefined);
  const hintId = hintElementId(field.elementId);
  const errorId = errorElementId(field.elementId);
  const describedBy = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');
  return html`<div class="${CLASSES.field}${error ? ` ${CLASSES.fieldWithError}` : ''}">
<label class="field__label" for="${field.elementId}"${
    hasToggle(field, ctx.view) ? html` id="${labelElementId(field.elementId)}"` : ''
  }>${field.label}${
    field.required && ctx.view.kind === 'form'
      ? html` <span class="field__required">${t(ctx.locale, 'form.required')}</span>`
      : ''
  }</label>
${hint ? html`<p class="field__hint" id="${hintId}">${hint}</p>\n` : ''}${
    error
      ? html`<p class="${CLASSES.fieldError}" id="${errorId}"><span class="${
          CLASSES.visuallyHidden
        }">${t(ctx.locale, 'summary.error_prefix')} </span>${fieldErrorMessage(ctx.locale, field, error)}</p>\n`
      : ''
  }${renderControlRow(field, ctx, describedBy, error !== undefined)}
</div>
`;
}

function renderErrorSummary(fields: PageField[], ctx: FieldContext): SafeHtml | '' {
  const known = new Set(fields.map((field) => field.id));
  const items = fields
    .filter((field) => ownValue(ctx.errors, field.id) !== undefined)
    .map(
      (field) =>
        html`<li><a href="#${field.elementId}">${fieldErrorMessage(ctx.locale, field, ctx.errors[field.id])}</a></li>`,
    );
  // Errors about keys that are no field (a tampered post) cannot link anywhere; say so once.
  const strays = Object.keys(ctx.errors).filter((key) => !known.has(key));
  if (strays.length > 0) items.push(html`<li>${t(ctx.locale, 'error.unknown_field')}</li>`);
  if (items.length === 0) return '';
  return html`<div class="${CLASSES.errorSummary}" id="${ERROR_SUMMARY_ID}" role="alert" tabindex="-1" autofocus aria-labelledby="${ERROR_SUMMARY_TITLE_ID}">
<h2 class="error-summary__title" id="${ERROR_SUMMARY_TITLE_ID}">${t(ctx.locale, 'summary.title')}</h2>
<ul class="${CLASSES.errorSummaryList}">${items}</ul>
</div>
`;
}

function pageData(fields: PageField[], locale: string, pasteFor?: IdvSpec): VisitorPageData {
  return {
    locale,
    fields,
    messages: clientMessages(locale),
    summaryTitle: t(locale, 'summary.title'),
    errorPrefix: t(locale, 'summary.error_prefix'),
    ...(pasteFor
      ? {
          idvPasteFilled: t(locale, 'idv.paste.filled', {
            positions: formatList(locale, pasteFor.positions.map(String)),
          }),
        }
      : {}),
  };
}

/**
 * WCAG 3.3.8, where the site allows it: a box for the whole secret that is no form field (no name,
 * outside the form, so nothing submits it). The page script copies the asked characters from it
 * into their boxes and empties it; without the script it could do nothing, so it stays hidden.
 */
function renderIdvPaste(locale: string, idv: IdvSpec): SafeHtml {
  const positions = formatList(locale, idv.positions.map(String));
  return html`<div class="idv-paste" id="${IDV_PASTE_ID}" hidden>
<label class="field__label" for="${IDV_PASTE_INPUT_ID}">${t(locale, 'idv.paste.label', { label: idv.label })}</label>
<p class="field__hint" id="${IDV_PASTE_HINT_ID}">${t(locale, 'idv.paste.hint', { positions })}</p>
<input class="control" type="password" id="${IDV_PASTE_INPUT_ID}" autocomplete="off" aria-describedby="${IDV_PASTE_HINT_ID}" autocapitalize="none" autocorrect="off" spellcheck="false">
<p class="idv-paste__status" id="${IDV_PASTE_STATUS_ID}" role="status"></p>
</div>
`;
}

/**
 * The page a visitor opens from the chat: the form (heading: its title) or the ID&V question
 * (heading: "Enter characters 2 and 4 from your PIN"), with Submit and Cancel. Inputs are named
 * `v.<fieldId>`; Submit posts them to `view.submitUrl`, Cancel posts nothing but `action=cancel`
 * to `view.cancelUrl`, so what was typed before cancelling never leaves the browser.
 */
export function renderRequestPage(model: RequestPageModel): string {
  const { view, locale } = model;
  const base = model.base ?? '';
  const ctx: FieldContext = { view, locale, values: model.values ?? {}, errors: model.errors ?? {} };
  const idv = view.kind === 'idv' && view.idv ? view.idv : undefined;
  const paste = idv && model.idvPaste ? idv : undefined;
  const fields: PageField[] = view.fields.map((field, index) => ({
    ...field,
    // ID&V fields are keyed by position; their labels are always this page's own words.
    label: idv ? t(locale, 'idv.character', { position: field.id }) : field.label,
    elementId: fieldElementId(field.id, index),
  }));
  const heading = idv
    ? t(locale, 'idv.heading', { positions: formatList(locale, idv.positions.map(String)), label: idv.label })
    : view.title;
  const documentTitle = idv ? t(locale, 'idv.doc_title') : t(locale, 'form.doc_title', { title: view.title });
  const renderedFields = fields.map((field) => renderField(field, ctx));
  const content = html`<h1 class="page__title">${heading}</h1>
${renderErrorSummary(fields, ctx)}<p class="page__intro">${t(locale, idv ? 'idv.intro' : 'form.intro')}</p>
${paste ? renderIdvPaste(locale, paste) : ''}<form class="form" id="${FORM_ID}" method="post" action="${base}${view.submitUrl}" novalidate accept-charset="UTF-8">
${idv ? html`<div class="idv-characters">\n${renderedFields}</div>\n` : renderedFields}<div class="actions">
<button class="button button--primary" type="submit">${t(locale, 'form.submit')}</button>
<button class="button button--secondary" type="submit" form="${CANCEL_FORM_ID}" formaction="${base}${view.cancelUrl}" formnovalidate>${t(locale, 'form.cancel')}</button>
</div>
</form>
<form id="${CANCEL_FORM_ID}" method="post" action="${base}${view.cancelUrl}"><input type="hidden" name="action" value="cancel"></form>
<script type="application/json" id="${PAGE_DATA_ID}">${jsonForScript(pageData(fields, locale, paste))}</script>`;
  return page({ locale, documentTitle, content, withScript: true, brand: model.brand, base });
}

export interface StartPageModel {
  kind: VisitorRequestView['kind'];
  title: string;
  locale: string;
  /** Where the start button posts: the link itself, as a path under `base`. */
  action: string;
  brand?: PageBrand;
  base?: string;
}

/**
 * The first step behind a link: a button that opens the request with a POST. Link previewers and
 * mail scanners fetch links by GET (and some run scripts), so only the visitor's own click uses
 * the link up. No script: a scanner that runs one must not take the step either.
 */
export function renderStartPage(model: StartPageModel): string {
  const { locale } = model;
  const idv = model.kind === 'idv';
  const heading = idv ? t(locale, 'idv.doc_title') : model.title;
  const documentTitle = idv ? heading : t(locale, 'form.doc_title', { title: model.title });
  const content = html`<h1 class="page__title">${heading}</h1>
<p class="page__intro">${t(locale, 'start.intro')}</p>
<form class="form" id="${START_FORM_ID}" method="post" action="${model.base ?? ''}${model.action}">
<input type="hidden" name="action" value="start">
<div class="actions">
<button class="button button--primary" type="submit">${t(locale, 'start.button')}</button>
</div>
</form>`;
  return page({ locale, documentTitle, content, withScript: false, brand: model.brand, base: model.base ?? '' });
}

/**
 * A page that only tells the visitor something: the link is dead (used, expired or unknown all
 * look the same), the answer was sent, it was cancelled, something failed, or too many tries.
 */
export function renderNoticePage(kind: NoticeKind, locale: string, base = ''): string {
  const title = t(locale, `notice.${kind}.title`);
  const content = html`<div class="notice notice--${kind}">
<h1 class="page__title">${title}</h1>
<p>${t(locale, `notice.${kind}.body`)}</p>
</div>`;
  return page({ locale, documentTitle: title, content, withScript: false, base });
}
