/** The serving agent's private notice that a visitor's message was masked, with the one-click way to a secure form. */
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import { actions, button, section } from './blocks';

export const MaskingAction = {
  /** Opens the secure form dialog for the room, the suggested form (the button's value) chosen. */
  SendForm: 'masking.send-form',
} as const;

export function maskingNoticeBlocks(
  appId: string,
  t: Translator,
  text: string,
  suggestedFormId: string,
): LayoutBlock[] {
  const blockId = 'masking.notice';
  return [
    section(`${blockId}.text`, text),
    actions(blockId, [
      button(appId, blockId, MaskingAction.SendForm, t('action_send_secure_form'), {
        value: suggestedFormId,
        style: 'primary',
      }),
    ]),
  ];
}
