/**
 * The visitor page's one script, bundled by `scripts/build-assets.js` into `public/visitor.js`.
 * It checks the form with the server's own rules before posting: on errors it shows the error
 * summary and inline messages and moves focus to the summary; otherwise the native POST goes.
 * The page works without it (the server checks again); it never sends or stores a value itself.
 */
import { validateValues, type FieldError } from '../../contract/field-rules';
import { ownValue } from '../../contract/own-value';
import { caretAfterDigits, cardDigits, groupCardNumber } from '../card-entry';
import { formatFieldError } from '../message-format';
import {
  CLASSES,
  ERROR_SUMMARY_ID,
  ERROR_SUMMARY_TITLE_ID,
  FORM_ID,
  IDV_PASTE_ID,
  IDV_PASTE_INPUT_ID,
  IDV_PASTE_STATUS_ID,
  PAGE_DATA_ID,
  brandElementId,
  errorElementId,
  labelElementId,
  type PageField,
  type VisitorPageData,
} from '../page-data';

type FieldControl = HTMLInputElement | HTMLSelectElement;

function readPageData(): VisitorPageData | undefined {
  const block = document.getElementById(PAGE_DATA_ID);
  if (!block?.textContent) return undefined;
  return JSON.parse(block.textContent) as VisitorPageData;
}

function controlOf(field: PageField): FieldControl | undefined {
  const element = document.getElementById(field.elementId);
  return element instanceof HTMLInputElement || element instanceof HTMLSelectElement ? element : undefined;
}

function message(data: VisitorPageData, key: string): string | undefined {
  return ownValue(data.messages, key);
}

/** Card numbers: grouped as typed, the brand named in the field's live region once its digits say it. */
function enhanceCardNumber(data: VisitorPageData, field: PageField, control: HTMLInputElement): void {
  const region = document.getElementById(brandElementId(field.elementId));
  const update = (): void => {
    const caret = control.selectionStart ?? control.value.length;
    const digitsBefore = cardDigits(control.value.slice(0, caret)).length;
    const { text, brand } = groupCardNumber(control.value);
    if (text !== control.value) {
      control.value = text;
      const at = caretAfterDigits(text, digitsBefore);
      if (document.activeElement === control) control.setSelectionRange(at, at);
    }
    const name = (brand && message(data, `brand.${brand}`)) || '';
    if (region && region.textContent !== name) region.textContent = name;
  };
  // Not while an input method composes (a Japanese IME's digits): rewriting the value then breaks it.
  control.addEventListener('input', (event) => {
    if (!(event as InputEvent).isComposing) update();
  });
  control.addEventListener('compositionend', update);
  update();
}

/** A Show/Hide button beside a masked input, so the visitor can check what they typed. */
function addVisibilityToggle(data: VisitorPageData, field: PageField, control: HTMLInputElement): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = CLASSES.toggle;
  button.setAttribute('aria-controls', control.id);
  // Named by its visible word; described by the field's label, so a screen reader says which field.
  if (document.getElementById(labelElementId(field.elementId))) {
    button.setAttribute('aria-describedby', labelElementId(field.elementId));
  }
  const render = (): void => {
    button.textContent = message(data, control.type === 'password' ? 'toggle.show' : 'toggle.hide') ?? '';
  };
  button.addEventListener('click', () => {
    control.type = control.type === 'password' ? 'text' : 'password';
    render();
  });
  render();
  control.closest(`.${CLASSES.controlRow}`)?.append(button);
  return button;
}

/**
 * WCAG 3.3.8, where the site allows it: the visitor pastes (or types) the whole secret into a box
 * that is no form field; each asked character is copied into its own box. The box is emptied when
 * the visitor leaves it, sends the form or leaves the page, so the rest of the secret goes nowhere.
 * Returns what empties it.
 */
function enableIdvPaste(data: VisitorPageData): () => void {
  const box = document.getElementById(IDV_PASTE_ID);
  const input = document.getElementById(IDV_PASTE_INPUT_ID);
  if (!box || !(input instanceof HTMLInputElement)) return () => undefined;
  const status = document.getElementById(IDV_PASTE_STATUS_ID);
  const empty = (): void => {
    input.value = '';
  };
  input.addEventListener('input', () => {
    const characters = Array.from(input.value);
    if (characters.length === 0) return;
    let all = true;
    for (const field of data.fields) {
      const control = controlOf(field);
      const character = characters[Number(field.id) - 1] ?? '';
      if (control instanceof HTMLInputElement) control.value = character;
      all &&= character !== '';
    }
    // Said only when true: a secret shorter than an asked position leaves that box empty.
    const filled = all ? (data.idvPasteFilled ?? '') : '';
    if (status && status.textContent !== filled) status.textContent = filled;
  });
  input.addEventListener('blur', empty);
  window.addEventListener('pagehide', empty);
  box.hidden = false;
  return empty;
}

function errorText(data: VisitorPageData, field: PageField, error: FieldError): string {
  const lookup = (key: string): string | undefined => ownValue(data.messages, key);
  return formatFieldError(lookup, data.locale, field, error);
}

function setDescribedBy(control: FieldControl, id: string, present: boolean): void {
  const ids = (control.getAttribute('aria-describedby') ?? '').split(/\s+/).filter((token) => token && token !== id);
  if (present) ids.push(id);
  if (ids.length > 0) control.setAttribute('aria-describedby', ids.join(' '));
  else control.removeAttribute('aria-describedby');
}

/** Shows or clears one field's inline error, with aria-invalid and aria-describedby to match. */
function showFieldError(
  data: VisitorPageData,
  field: PageField,
  control: FieldControl,
  error: FieldError | undefined,
): void {
  const id = errorElementId(field.elementId);
  document.getElementById(id)?.remove();
  control.closest(`.${CLASSES.field}`)?.classList.toggle(CLASSES.fieldWithError, error !== undefined);
  setDescribedBy(control, id, error !== undefined);
  if (!error) {
    control.removeAttribute('aria-invalid');
    return;
  }
  control.setAttribute('aria-invalid', 'true');
  const message = document.createElement('p');
  message.className = CLASSES.fieldError;
  message.id = id;
  const prefix = document.createElement('span');
  prefix.className = CLASSES.visuallyHidden;
  prefix.textContent = `${data.errorPrefix} `;
  message.append(prefix, errorText(data, field, error));
  const anchor = control.closest(`.${CLASSES.controlRow}`) ?? control;
  anchor.parentNode?.insertBefore(message, anchor);
}

/** Replaces the error summary at the top with one link per bad field. */
function showErrorSummary(
  data: VisitorPageData,
  problems: Array<{ field: PageField; error: FieldError }>,
): HTMLElement {
  document.getElementById(ERROR_SUMMARY_ID)?.remove();
  const summary = document.createElement('div');
  summary.className = CLASSES.errorSummary;
  summary.id = ERROR_SUMMARY_ID;
  summary.setAttribute('role', 'alert');
  summary.setAttribute('tabindex', '-1');
  summary.setAttribute('aria-labelledby', ERROR_SUMMARY_TITLE_ID);
  const title = document.createElement('h2');
  title.className = 'error-summary__title';
  title.id = ERROR_SUMMARY_TITLE_ID;
  title.textContent = data.summaryTitle;
  const list = document.createElement('ul');
  list.className = CLASSES.errorSummaryList;
  for (const { field, error } of problems) {
    const link = document.createElement('a');
    link.href = `#${field.elementId}`;
    link.textContent = errorText(data, field, error);
    const item = document.createElement('li');
    item.append(link);
    list.append(item);
  }
  summary.append(title, list);
  const heading = document.querySelector('h1');
  heading?.parentNode?.insertBefore(summary, heading.nextSibling);
  return summary;
}

/** A summary link moves focus into its field (a plain fragment jump would only scroll). */
function onSummaryClick(event: MouseEvent): void {
  const link = event.target instanceof Element ? event.target.closest(`#${ERROR_SUMMARY_ID} a`) : null;
  const href = link?.getAttribute('href');
  if (!href || !href.startsWith('#')) return;
  const control = document.getElementById(href.slice(1));
  if (!(control instanceof HTMLInputElement || control instanceof HTMLSelectElement)) return;
  event.preventDefault();
  // Show the label with the field, not just the input at the very top of the screen.
  (control.closest(`.${CLASSES.field}`) ?? control).scrollIntoView({ block: 'start' });
  control.focus({ preventScroll: true });
}

/** Whether this page was loaded by the browser's Back or Forward. */
function cameBack(): boolean {
  const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return navigation?.type === 'back_forward';
}

function start(): void {
  const data = readPageData();
  const form = document.getElementById(FORM_ID);
  if (!data || !(form instanceof HTMLFormElement)) return;
  let sending = false;
  const masked: HTMLInputElement[] = [];
  const emptyPasteBox = enableIdvPaste(data);
  for (const field of data.fields) {
    const control = controlOf(field);
    if (!(control instanceof HTMLInputElement)) continue;
    if (field.type === 'card_number') enhanceCardNumber(data, field, control);
    if (control.type === 'password' && control.closest(`.${CLASSES.controlRow}`)) {
      addVisibilityToggle(data, field, control);
      masked.push(control);
    }
  }

  form.addEventListener('submit', (event: SubmitEvent) => {
    emptyPasteBox();
    // Cancel skips the checks; a second click while the first post is on its way does nothing.
    if (event.submitter?.hasAttribute('formnovalidate')) return;
    if (sending) {
      event.preventDefault();
      return;
    }
    const controls = new Map<string, FieldControl>();
    const values: Record<string, string> = {};
    for (const field of data.fields) {
      const control = controlOf(field);
      if (!control) continue;
      controls.set(field.id, control);
      values[field.id] = control.value;
    }
    const errors = validateValues(data.fields, values, new Date());
    const problems: Array<{ field: PageField; error: FieldError }> = [];
    for (const field of data.fields) {
      const control = controls.get(field.id);
      const error = ownValue(errors, field.id);
      if (control) showFieldError(data, field, control, error);
      if (error) problems.push({ field, error });
    }
    if (problems.length === 0) {
      document.getElementById(ERROR_SUMMARY_ID)?.remove();
      // Masked again before leaving, so no browser keeps a shown secret as form history.
      for (const control of masked) control.type = 'password';
      sending = true;
      return;
    }
    event.preventDefault();
    showErrorSummary(data, problems).focus();
  });

  // Back to this page from the browser's history: sending is allowed again, and nothing typed before
  // comes back (Chrome restores text inputs; on a shared computer the next user could read them).
  window.addEventListener('pageshow', (event) => {
    sending = false;
    if (event.persisted || cameBack()) form.reset();
  });
  document.addEventListener('click', onSummaryClick);
  document.getElementById(ERROR_SUMMARY_ID)?.focus();
}

start();
