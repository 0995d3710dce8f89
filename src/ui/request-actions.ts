/** The buttons that lead to a request's answer: *View* for forms, *Reveal* for ID&V. Sender only, checked on click. */
import type { ButtonElement, LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import { actions, button } from './blocks';

export const RequestAction = {
  View: 'request.view',
} as const;

export function viewButton(
  appId: string,
  blockId: string,
  t: Translator,
  record: Pick<SecureRequestRecord, 'kind' | 'requestId'>,
): ButtonElement {
  return button(appId, blockId, RequestAction.View, t(record.kind === 'idv' ? 'button_reveal' : 'button_view'), {
    value: record.requestId,
    style: 'primary',
  });
}

export function viewButtonBlocks(
  appId: string,
  t: Translator,
  record: Pick<SecureRequestRecord, 'kind' | 'requestId'>,
): LayoutBlock[] {
  const blockId = `request.${record.requestId}`;
  return [actions(blockId, [viewButton(appId, blockId, t, record)])];
}
