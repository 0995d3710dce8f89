/**
 * The message the visitor sees in the widget: the question as text, and a link button that opens
 * the vault page in a new tab (visitors cannot use modals or inputs in the widget). No value ever.
 */
import type { LayoutBlock } from '@rocket.chat/ui-kit';

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
