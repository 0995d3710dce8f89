/**
 * UI-Kit blocks as plain JSON, typed by @rocket.chat/ui-kit (types only: the engine's
 * BlockBuilder is deprecated). Every interactive element gets an explicit actionId, and the app ID
 * and block ID UI-Kit requires.
 */
import type {
  ActionsBlock,
  ButtonElement,
  ContextBlock,
  DividerBlock,
  InputBlock,
  Markdown,
  Option,
  PlainText,
  PlainTextInputElement,
  SectionBlock,
  StaticSelectElement,
} from '@rocket.chat/ui-kit';

export function plainText(text: string): PlainText {
  return { type: 'plain_text', text, emoji: false };
}

export function markdown(text: string): Markdown {
  return { type: 'mrkdwn', text };
}

/** Text the app wrote itself, with markdown. */
export function section(blockId: string, text: string, accessory?: ButtonElement): SectionBlock {
  return { type: 'section', blockId, text: markdown(text), ...(accessory ? { accessory } : {}) };
}

/**
 * Text that holds what someone else typed (a visitor's value, a form title, a catalog error) as
 * plain text, so nothing in it is read as markdown.
 */
export function plainSection(blockId: string, text: string, accessory?: ButtonElement): SectionBlock {
  return { type: 'section', blockId, text: plainText(text), ...(accessory ? { accessory } : {}) };
}

/** A label and its value side by side, both plain text. */
export function fieldsSection(blockId: string, label: string, value: string): SectionBlock {
  return { type: 'section', blockId, fields: [plainText(label), plainText(value)] };
}

export function context(blockId: string, texts: string[]): ContextBlock {
  return { type: 'context', blockId, elements: texts.map(markdown) };
}

export function plainContext(blockId: string, texts: string[]): ContextBlock {
  return { type: 'context', blockId, elements: texts.map(plainText) };
}

export function divider(blockId: string): DividerBlock {
  return { type: 'divider', blockId };
}

export function actions(blockId: string, elements: ButtonElement[]): ActionsBlock {
  return { type: 'actions', blockId, elements };
}

export function button(
  appId: string,
  blockId: string,
  actionId: string,
  text: string,
  options: { value?: string; url?: string; style?: 'primary' | 'danger' } = {},
): ButtonElement {
  return { type: 'button', appId, blockId, actionId, text: plainText(text), ...options };
}

export function option(value: string, text: string): Option {
  return { value, text: plainText(text) };
}

export function textInput(
  appId: string,
  blockId: string,
  actionId: string,
  options: { initialValue?: string; placeholder?: string; maxLength?: number } = {},
): PlainTextInputElement {
  return {
    type: 'plain_text_input',
    appId,
    blockId,
    actionId,
    ...(options.initialValue !== undefined ? { initialValue: options.initialValue } : {}),
    ...(options.placeholder ? { placeholder: plainText(options.placeholder) } : {}),
    ...(options.maxLength ? { maxLength: options.maxLength } : {}),
  };
}

export function staticSelect(
  appId: string,
  blockId: string,
  actionId: string,
  placeholder: string,
  options: Option[],
  initialValue?: string,
): StaticSelectElement {
  return {
    type: 'static_select',
    appId,
    blockId,
    actionId,
    placeholder: plainText(placeholder),
    options,
    ...(initialValue !== undefined && options.some((o) => o.value === initialValue) ? { initialValue } : {}),
  };
}

export function input(
  blockId: string,
  label: string,
  element: InputBlock['element'],
  extra: { hint?: string; optional?: boolean } = {},
): InputBlock {
  return {
    type: 'input',
    blockId,
    label: plainText(label),
    element,
    ...(extra.hint ? { hint: plainText(extra.hint) } : {}),
    ...(extra.optional ? { optional: true } : {}),
  };
}

/** The value of an input in a submitted view's state, wherever its block is. */
export function readViewValue(state: object | undefined, actionId: string): unknown {
  if (!state || typeof state !== 'object') {
    return undefined;
  }
  const blocks = state as { [blockId: string]: { [actionId: string]: unknown } | undefined };
  for (const blockId of Object.keys(blocks)) {
    const block = blocks[blockId];
    if (block && typeof block === 'object' && Object.prototype.hasOwnProperty.call(block, actionId)) {
      return block[actionId];
    }
  }
  return undefined;
}
