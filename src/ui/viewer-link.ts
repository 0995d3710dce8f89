/**
 * The private notice that hands an agent their viewer link (strict viewing): a button that opens
 * the vault's own page in a new tab. Sent only with `notifyUser`, never in a stored message: the
 * link is a bearer link for a minute, and the values stay between the vault and that browser.
 */
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import { actions, button } from './blocks';

export const ViewerLinkAction = {
  Open: 'viewer.open',
} as const;

export function viewerLinkBlocks(appId: string, t: Translator, requestId: string, viewerUrl: string): LayoutBlock[] {
  const blockId = `viewer-link.${requestId}`;
  return [
    actions(blockId, [
      button(appId, blockId, ViewerLinkAction.Open, t('button_open_viewer'), { url: viewerUrl, style: 'primary' }),
    ]),
  ];
}
