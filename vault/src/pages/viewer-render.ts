/**
 * The agent's viewer pages: the start step (a link preview's GET changes nothing; the agent's
 * click POSTs), the viewer itself and its notices. Same rules as the visitor pages: no inline
 * script or style, every value escaped, data for the script in a JSON block.
 */
import type { ViewerField, ViewerPage } from './viewer-view';
import { html, jsonForScript, type SafeHtml } from './html';
import { formatList, t, type MessageKey } from './i18n';
import { STYLESHEET_URL } from './render';
import {
  VIEWER_CLOSE_FORM_ID,
  VIEWER_DATA_ID,
  VIEWER_FIELDS_ID,
  VIEWER_STATUS_ID,
  VIEWER_TIMER_ID,
  valueElementId,
  type ViewerPageData,
} from './viewer-data';

export const VIEWER_STYLESHEET_URL = '/assets/viewer.css';
export const VIEWER_SCRIPT_URL = '/assets/viewer.js';

export type ViewerNoticeKind = 'refused' | 'ended' | 'rate_limited' | 'error';

/** `base`: the path every URL of the page starts with, VAULT_PUBLIC_URL's (VaultConfig.publicPath); '' at the root. */
function shell(locale: string, documentTitle: string, content: SafeHtml, withScript: boolean, base: string): string {
  return html`<!DOCTYPE html>
    <html lang="${locale}" dir="${t(locale, 'meta.dir') === 'rtl' ? 'rtl' : 'ltr'}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <meta name="robots" content="noindex, nofollow" />
        <title>${documentTitle}</title>
        <link rel="stylesheet" href="${base}${STYLESHEET_URL}" />
        <link rel="stylesheet" href="${base}${VIEWER_STYLESHEET_URL}" />
        ${withScript ? html`<script src="${base}${VIEWER_SCRIPT_URL}" defer></script> ` : ''}
      </head>
      <body>
        <main class="page">
          <div class="card">
            <p class="badge badge--viewer">${t(locale, 'viewer.badge')}</p>
            ${content}
          </div>
        </main>
      </body>
    </html> `.value;
}

/** The start step behind a viewer link: one button that POSTs to the same URL to open it. */
export function renderViewerStart(locale: string, openPath: string, sessionSeconds: number, base = ''): string {
  const title = t(locale, 'viewer.start.title');
  const content = html`<h1 class="page__title">${title}</h1>
    <p class="page__intro">
      ${t(locale, 'viewer.start.body', { minutes: Math.max(1, Math.round(sessionSeconds / 60)) })}
    </p>
    <form method="post" action="${base}${openPath}">
      <div class="actions">
        <button class="button button--primary" type="submit">${t(locale, 'viewer.start.open')}</button>
      </div>
    </form>`;
  return shell(locale, title, content, false, base);
}

const STATE_TEXT: Record<Exclude<ViewerField['state'], 'shown' | 'masked'>, MessageKey> = {
  hidden: 'viewer.hidden',
  expired: 'viewer.expired',
  withheld: 'viewer.withheld',
  empty: 'viewer.empty',
};

function fieldLabel(page: ViewerPage, field: ViewerField, locale: string): string {
  return page.idv ? t(locale, 'idv.character', { position: field.id }) : field.label;
}

/** A field's Reveal or Copy button: the page script acts on its data-action (Reveal shows into data-target). */
function fieldButton(
  locale: string,
  action: 'reveal' | 'copy',
  fieldId: string,
  label: string,
  target?: string,
): SafeHtml {
  const targetAttribute = target === undefined ? '' : html` data-target="${target}"`;
  return html`<button
    class="button button--small button--secondary"
    type="button"
    data-action="${action}"
    data-field="${fieldId}"
    data-label="${label}"${targetAttribute}
    aria-label="${t(locale, `viewer.${action}_label`, { label })}"
  >
    ${t(locale, `viewer.${action}`)}
  </button>`;
}

function renderField(page: ViewerPage, field: ViewerField, index: number, locale: string): SafeHtml {
  const label = fieldLabel(page, field, locale);
  const stateText =
    field.state === 'expired' && page.idv
      ? t(locale, 'viewer.expired_idv')
      : field.state === 'shown' || field.state === 'masked'
        ? (field.display ?? '')
        : t(locale, STATE_TEXT[field.state]);
  const canFetch = field.state === 'shown' || field.state === 'masked' || field.state === 'hidden';
  const hasButtons = canFetch && (field.state !== 'shown' || page.copy);
  const valueId = valueElementId(index);
  return html`<div class="viewer-field viewer-field--${field.state}">
    <dt class="viewer-field__label">${label}</dt>
    <dd class="viewer-field__body">
      <span class="viewer-field__value" id="${valueId}" data-initial="${stateText}" aria-live="polite"
        >${stateText}</span
      >
      ${
        hasButtons
          ? html`<span class="viewer-field__actions">
              ${
                field.state !== 'shown' ? html`${fieldButton(locale, 'reveal', field.id, label, valueId)} ` : ''
              }${page.copy ? fieldButton(locale, 'copy', field.id, label) : ''}
            </span>`
          : ''
      }
    </dd>
  </div> `;
}

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}

/**
 * The viewer: the form's fields, plain ones as they are, card numbers as BIN + last four, secrets
 * hidden behind Reveal and Copy (the script fetches each from the vault on click), and "Hide
 * everything and close", which ends the session on the server.
 */
export function renderViewerPage(
  page: ViewerPage,
  locale: string,
  paths: { reveal: string; status: string; close: string },
  secondsLeft: number,
  base = '',
): string {
  const heading = page.idv
    ? t(locale, 'viewer.idv_heading', {
        positions: formatList(locale, page.idv.positions.map(String)),
        label: page.idv.label,
      })
    : page.title;
  const data: ViewerPageData = {
    locale,
    revealUrl: `${base}${paths.reveal}`,
    statusUrl: `${base}${paths.status}`,
    copy: page.copy,
    secondsLeft,
    messages: {
      timeLeft: t(locale, 'viewer.time_left'),
      reveal: t(locale, 'viewer.reveal'),
      revealLabel: t(locale, 'viewer.reveal_label'),
      conceal: t(locale, 'viewer.conceal'),
      concealLabel: t(locale, 'viewer.conceal_label'),
      hidden: t(locale, 'viewer.hidden'),
      expired: t(locale, page.idv ? 'viewer.expired_idv' : 'viewer.expired'),
      copied: t(locale, 'viewer.copied'),
      copyFailed: t(locale, 'viewer.copy_failed'),
      fetchFailed: t(locale, 'viewer.fetch_failed'),
      endedTitle: t(locale, 'viewer.ended.title'),
      endedBody: t(locale, 'viewer.ended.body'),
    },
  };
  if (page.idv) data.idvSpace = t(locale, 'viewer.space');
  const content = html`<h1 class="page__title">${heading}</h1>
    <p class="page__intro">${t(locale, page.purpose === 'manager' ? 'viewer.intro_manager' : 'viewer.intro')}</p>
    <p class="viewer-timer" id="${VIEWER_TIMER_ID}">
      ${t(locale, 'viewer.time_left', { time: formatDuration(secondsLeft) })}
    </p>
    ${page.copy ? '' : html`<p class="page__intro">${t(locale, 'viewer.copy_off')}</p>`}
    <dl class="viewer-fields${page.copy ? '' : ' viewer-fields--no-copy'}" id="${VIEWER_FIELDS_ID}">
      ${page.fields.map((field, index) => renderField(page, field, index, locale))}
    </dl>
    <p class="viewer-status" id="${VIEWER_STATUS_ID}" role="status"></p>
    <form id="${VIEWER_CLOSE_FORM_ID}" method="post" action="${base}${paths.close}">
      <div class="actions">
        <button class="button button--primary" type="submit">${t(locale, 'viewer.close')}</button>
      </div>
    </form>
    <script type="application/json" id="${VIEWER_DATA_ID}">
      ${jsonForScript(data)}
    </script>`;
  return shell(
    locale,
    t(locale, 'viewer.doc_title', { title: page.idv ? page.idv.label : page.title }),
    content,
    true,
    base,
  );
}

/** One notice for every refusal (used, expired, closed, not yours, unknown), and the others. */
export function renderViewerNotice(kind: ViewerNoticeKind, locale: string, base = ''): string {
  const title = t(locale, `viewer.${kind}.title`);
  const content = html`<div class="notice notice--${kind === 'ended' ? 'submitted' : 'link_invalid'}">
    <h1 class="page__title">${title}</h1>
    <p>${t(locale, `viewer.${kind}.body`)}</p>
  </div>`;
  return shell(locale, title, content, false, base);
}
