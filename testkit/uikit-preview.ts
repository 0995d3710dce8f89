/**
 * Draws the app's UI-Kit blocks (the surfaces and messages the real app built, as the engine
 * harness recorded them) as an HTML page in the style of Rocket.Chat's client, for the guides'
 * screenshots. It is a rendering, not Rocket.Chat: every picture carries a frame that says so.
 *
 * Why not Rocket.Chat's own renderer: the npm `@rocket.chat/fuselage-ui-kit` is 0.31.23, built for
 * React 17 and the 0.31 UI-Kit payloads (ours are 1.0), with its fuselage, styled, hooks and icons
 * peers unpinned ("*": today's need React 18) and a bundler to wire them into a page. This draws the
 * block types the app uses (section with text, fields and a button accessory; context; divider;
 * actions with buttons; input with a text input or a static select) and fails on any other, so a
 * new block type cannot silently vanish from the pictures.
 */

/** The part of a UI-Kit block or element this renderer reads. */
interface Text {
  type: 'plain_text' | 'mrkdwn';
  text: string;
}
interface Element {
  type: string;
  text?: Text;
  style?: 'primary' | 'danger';
  url?: string;
  placeholder?: Text;
  initialValue?: string;
  options?: { value: string; text: Text }[];
  multiline?: boolean;
}
interface Block {
  type: string;
  text?: Text;
  fields?: Text[];
  accessory?: Element;
  elements?: (Element | Text)[];
  label?: Text;
  element?: Element;
  hint?: Text;
  optional?: boolean;
}

export interface PreviewSurface {
  type: 'modal' | 'contextualBar';
  title?: Text;
  blocks: unknown[];
  submit?: unknown;
  close?: unknown;
}

export interface PreviewMessage {
  /** Who posted it, as Rocket.Chat shows the app's bot. */
  sender: string;
  text?: string;
  blocks?: unknown[];
  /** A private notice (notifyUser): Rocket.Chat marks it "Only you can see this message". */
  privateNotice?: boolean;
}

const FRAME_NOTE =
  "A rendering of the app's real UI-Kit blocks, drawn by the project's tests; Rocket.Chat's own client draws them in its style.";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Rocket.Chat's markdown subset the app uses: *bold*, _italic_, `code` (whose text is never markup), ~strike~. */
function mrkdwn(text: string): string {
  return escapeHtml(text)
    .split(/(`[^`\n]+`)/)
    .map((part, i) =>
      i % 2 === 1
        ? `<code>${part.slice(1, -1)}</code>`
        : part
            .replace(/\\`/g, '`')
            .replace(/\*([^*\n]+)\*/g, '<strong>$1</strong>')
            .replace(/(^|\s)_([^_\n]+)_/g, '$1<em>$2</em>')
            .replace(/~([^~\n]+)~/g, '<s>$1</s>'),
    )
    .join('')
    .replace(/\n/g, '<br>');
}

function text(t: Text | undefined): string {
  if (!t) return '';
  return t.type === 'mrkdwn' ? mrkdwn(t.text) : escapeHtml(t.text).replace(/\n/g, '<br>');
}

function buttonHtml(element: Element): string {
  const kind = element.style === 'primary' ? 'primary' : element.style === 'danger' ? 'danger' : 'secondary';
  const icon = element.url ? ' <span class="ext" aria-hidden="true">↗</span>' : '';
  return `<button class="btn ${kind}" type="button">${text(element.text)}${icon}</button>`;
}

function inputElement(element: Element): string {
  if (element.type === 'plain_text_input') {
    const value = element.initialValue ? escapeHtml(element.initialValue) : '';
    const placeholder = element.placeholder ? ` placeholder="${escapeHtml(element.placeholder.text)}"` : '';
    return element.multiline
      ? `<textarea${placeholder}>${value}</textarea>`
      : `<input type="text" value="${value}"${placeholder}>`;
  }
  if (element.type === 'static_select') {
    const chosen = element.options?.find((o) => o.value === element.initialValue);
    const shown = chosen ? text(chosen.text) : `<span class="placeholder">${text(element.placeholder)}</span>`;
    return `<div class="select">${shown}<span class="chevron" aria-hidden="true">⌄</span></div>`;
  }
  throw new Error(`uikit-preview: no drawing for input element "${element.type}"`);
}

function blockHtml(raw: unknown): string {
  const block = raw as Block;
  switch (block.type) {
    case 'section': {
      const fields = block.fields
        ? `<div class="fields">${block.fields.map((f, i) => `<div class="${i % 2 ? 'value' : 'label'}">${text(f)}</div>`).join('')}</div>`
        : '';
      const body = `<div class="section-text">${text(block.text)}${fields}</div>`;
      const accessory = block.accessory ? `<div class="accessory">${buttonHtml(block.accessory)}</div>` : '';
      return `<div class="block section">${body}${accessory}</div>`;
    }
    case 'context':
      return `<div class="block context">${(block.elements ?? []).map((e) => `<span>${text(e as Text)}</span>`).join('')}</div>`;
    case 'divider':
      return '<hr class="block divider">';
    case 'actions':
      return `<div class="block actions">${(block.elements ?? []).map((e) => buttonHtml(e as Element)).join('')}</div>`;
    case 'input': {
      if (!block.element) throw new Error('uikit-preview: an input block without an element');
      const optional = block.optional ? ' <span class="optional">(optional)</span>' : '';
      const hint = block.hint ? `<div class="hint">${text(block.hint)}</div>` : '';
      return `<label class="block input"><div class="input-label">${text(block.label)}${optional}</div>${inputElement(block.element)}${hint}</label>`;
    }
    default:
      throw new Error(`uikit-preview: no drawing for block type "${block.type}"`);
  }
}

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/20px Inter, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #2f343d;
         background: #e4e7ea; }
  .frame { padding: 16px; }
  .frame-note { font-size: 12px; line-height: 16px; color: #6c727a; margin: 0 0 12px; }
  .frame-note strong { color: #2f343d; }
  .room { background: #fff; border-radius: 4px; box-shadow: 0 1px 2px rgba(0,0,0,.1); display: flex; min-height: 200px; }
  .room-main { flex: 1; padding: 16px; position: relative; }
  .room-title { font-weight: 700; font-size: 16px; padding-bottom: 12px; border-bottom: 1px solid #e4e7ea; margin-bottom: 12px; }
  .overlay { background: rgba(47,52,61,.5); display: flex; align-items: flex-start; justify-content: center; padding: 24px; margin: 0 -16px -16px; border-radius: 0 0 4px 4px; }
  .modal { background: #fff; border-radius: 8px; width: 560px; box-shadow: 0 8px 24px rgba(0,0,0,.25); }
  .modal header, .bar header { display: flex; align-items: center; justify-content: space-between; padding: 20px 24px 8px; font-size: 20px; line-height: 28px; font-weight: 700; }
  .bar header { padding: 16px 20px; font-size: 16px; border-bottom: 1px solid #e4e7ea; }
  .close { color: #6c727a; font-size: 20px; font-weight: 400; }
  .modal .content { padding: 8px 24px; }
  .modal footer { display: flex; justify-content: flex-end; gap: 8px; padding: 16px 24px 24px; }
  .bar { width: 400px; border-left: 1px solid #e4e7ea; background: #fff; }
  .bar .content { padding: 16px 20px; }
  .block { margin: 0 0 16px; }
  .section { display: flex; gap: 12px; align-items: flex-start; }
  .section-text { flex: 1; }
  .fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; }
  .fields .label { font-weight: 600; }
  .context { color: #6c727a; font-size: 12px; line-height: 16px; display: flex; gap: 8px; flex-wrap: wrap; }
  .divider { border: 0; border-top: 1px solid #e4e7ea; }
  .actions { display: flex; gap: 8px; flex-wrap: wrap; }
  .btn { font: inherit; font-weight: 500; border-radius: 4px; padding: 6px 14px; border: 1px solid transparent; }
  .btn.primary { background: #156ff5; color: #fff; }
  .btn.danger { background: #ec0d2a; color: #fff; }
  .btn.secondary { background: #e4e7ea; color: #2f343d; }
  .ext { font-size: 12px; }
  .input { display: block; }
  .input-label { font-weight: 600; margin-bottom: 4px; }
  .optional { font-weight: 400; color: #6c727a; }
  .hint { color: #6c727a; font-size: 12px; margin-top: 4px; }
  input[type=text], textarea, .select { width: 100%; font: inherit; border: 1px solid #cbced1; border-radius: 4px; padding: 8px 12px; background: #fff; color: #2f343d; }
  .select { display: flex; justify-content: space-between; }
  .placeholder, ::placeholder { color: #9ea2a8; }
  .message { display: flex; gap: 8px; padding: 8px 0; }
  .avatar { width: 36px; height: 36px; border-radius: 4px; background: #156ff5; color: #fff; font-weight: 700; display: flex; align-items: center; justify-content: center; flex: none; }
  .sender { font-weight: 700; }
  .tag { background: #e4e7ea; color: #6c727a; font-size: 11px; padding: 0 4px; border-radius: 2px; margin-left: 6px; font-weight: 500; }
  .only-you { color: #6c727a; font-size: 12px; margin-left: 6px; }
  .message-body { flex: 1; }
  .message-text { margin: 2px 0 8px; }
  code { background: #f2f3f5; border: 1px solid #e4e7ea; border-radius: 2px; padding: 0 3px; }
`;

function page(inner: string, title: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style></head><body><div class="frame">
<p class="frame-note"><strong>Rendering, not a screenshot of Rocket.Chat.</strong> ${escapeHtml(FRAME_NOTE)}</p>
${inner}</div></body></html>`;
}

function blocksHtml(blocks: unknown[]): string {
  return blocks.map(blockHtml).join('\n');
}

/** A modal over a livechat room, or a contextual bar beside it, as an HTML page. */
export function renderSurface(surface: PreviewSurface, roomTitle = 'Livechat: Guest Visitor'): string {
  const title = text(surface.title);
  const content = `<div class="content">${blocksHtml(surface.blocks)}</div>`;
  const button = (element: unknown) => (element ? buttonHtml(element as Element) : '');
  if (surface.type === 'modal') {
    const footer =
      surface.submit || surface.close ? `<footer>${button(surface.close)}${button(surface.submit)}</footer>` : '';
    const modal = `<div class="modal" role="dialog"><header>${title}<span class="close" aria-hidden="true">✕</span></header>${content}${footer}</div>`;
    return page(
      `<div class="room"><div class="room-main"><div class="room-title">${escapeHtml(roomTitle)}</div><div class="overlay">${modal}</div></div></div>`,
      surface.title?.text ?? 'modal',
    );
  }
  const bar = `<aside class="bar"><header>${title}<span class="close" aria-hidden="true">✕</span></header>${content}</aside>`;
  return page(
    `<div class="room"><div class="room-main"><div class="room-title">${escapeHtml(roomTitle)}</div></div>${bar}</div>`,
    surface.title?.text ?? 'contextual bar',
  );
}

/** Messages in a livechat room (the app's posts and private notices), as an HTML page. */
export function renderMessages(messages: PreviewMessage[], roomTitle = 'Livechat: Guest Visitor'): string {
  const items = messages.map((m) => {
    const marks = `<span class="tag">App</span>${m.privateNotice ? '<span class="only-you">Only you can see this message</span>' : ''}`;
    const body = `${m.text ? `<div class="message-text">${mrkdwn(m.text)}</div>` : ''}${blocksHtml(m.blocks ?? [])}`;
    return `<div class="message"><div class="avatar" aria-hidden="true">ID</div><div class="message-body"><div><span class="sender">${escapeHtml(m.sender)}</span>${marks}</div>${body}</div></div>`;
  });
  return page(
    `<div class="room"><div class="room-main"><div class="room-title">${escapeHtml(roomTitle)}</div>${items.join('\n')}</div></div>`,
    'messages',
  );
}

/**
 * Every text a person reads in `blocks`: titles, labels, values, buttons, hints. Not placeholders
 * (a select shows its chosen option instead) nor the options of a closed select.
 */
export function blockTexts(blocks: unknown[]): string[] {
  const texts: string[] = [];
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) node.forEach((n) => walk(n));
    else if (node && typeof node === 'object') {
      const t = node as Partial<Text>;
      if ((t.type === 'plain_text' || t.type === 'mrkdwn') && typeof t.text === 'string') {
        if (key !== 'placeholder') texts.push(t.text);
        return;
      }
      for (const [k, v] of Object.entries(node)) if (k !== 'options') walk(v, k);
    }
  };
  walk(blocks);
  return texts;
}
