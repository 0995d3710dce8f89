/**
 * HTML built from template literals that escape every interpolated value unless it is already
 * `SafeHtml`: labels, titles, hints and options come from the requesting site and are hostile
 * until escaped, so escaping is the default, not something to remember.
 */

/** A string of markup that is already safe to place in a page. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlValue = string | number | SafeHtml | undefined | null | false | readonly HtmlValue[];

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

const SPECIAL = /[&<>"'`]/;
const EVERY_SPECIAL = new RegExp(SPECIAL.source, 'g');

/** Text made safe for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  // Most text has nothing to escape: one test is cheaper than a replace with a callback.
  return SPECIAL.test(text) ? text.replace(EVERY_SPECIAL, (char) => ENTITIES[char]) : text;
}

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * @example html`<p title="${title}">${label}</p>` // both escaped
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new SafeHtml(out);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become `\u003c` etc., so
 * no value can close the block or open a comment, and the line separators JavaScript dislikes go too.
 */
export function jsonForScript(data: unknown): SafeHtml {
  const json = JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return new SafeHtml(json);
}
