/**
 * The message the visitor sees in the widget: the question as text, and a link button that opens
 * the vault page in a new tab (visitors cannot use modals or inputs in the widget). No value ever.
 */
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import { actions, button } from './blocks';

export const VisitorAction = {
  OpenLink: 'visitor.open-link',
} as const;

export function visitorLinkBlocks(
  appId: string,
  requestId: string,
  buttonText: string,
  visitorUrl: string,
): LayoutBlock[] {
  const blockId = `visitor-request.${requestId}`;
  return [
    actions(blockId, [
      button(appId, blockId, VisitorAction.OpenLink, buttonText, {
        url: visitorUrl,
        style: 'primary',
        value: requestId,
      }),
    ]),
  ];
}

/**
 * The message text. Visitors whose channel carries only text (SMS, WhatsApp, e-mail, API) get the
 * link in it too, and are told not to answer in the chat, where the secret would be stored.
 */
export function visitorMessageText(question: string, visitorUrl: string, seesBlocks: boolean, vt: Translator): string {
  return seesBlocks
    ? question
    : [question, vt('visitor_link_in_text', { url: visitorUrl }), vt('visitor_do_not_type')].join('\n\n');
}
