/**
 * The buttons that lead to a request's answer: *View* for forms, *Reveal* for ID&V, and *Send to
 * processor* for a relay-bound form, which nobody views. Sender only, checked on click.
 */
import type { ButtonElement, LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import { actions, button } from './blocks';

export const RequestAction = {
  View: 'request.view',
  SendToProcessor: 'request.send-to-processor',
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

export function processorButton(
  appId: string,
  blockId: string,
  t: Translator,
  record: Pick<SecureRequestRecord, 'requestId'>,
): ButtonElement {
  return button(appId, blockId, RequestAction.SendToProcessor, t('button_send_to_processor'), {
    value: record.requestId,
    style: 'primary',
  });
}

export function processorButtonBlocks(
  appId: string,
  t: Translator,
  record: Pick<SecureRequestRecord, 'requestId'>,
): LayoutBlock[] {
  const blockId = `request.${record.requestId}`;
  return [actions(blockId, [processorButton(appId, blockId, t, record)])];
}
