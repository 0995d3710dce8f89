/**
 * A manager's *View* asks for a reason first (the vault keeps it in its audit trail with the
 * manager's ID). Opened from what the app holds, with no vault call before it.
 */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import { UIKitSurfaceType } from '@rocket.chat/apps-engine/definition/uikit';

import type { Translator } from '../i18n/i18n';
import { holdsForbiddenCharacter, isVisible, LIMITS } from '../vault/contract';
import { button, context, input, plainText, textInput } from './blocks';

export const ManagerReasonAction = {
  Reason: 'manager-view.reason',
  Send: 'manager-view.send',
  Cancel: 'manager-view.cancel',
} as const;

/** What the vault accepts once spaces are folded (the contract's one definition). */
export const REASON_MIN_LENGTH = LIMITS.managerReasonMin;
export const REASON_MAX_LENGTH = LIMITS.managerReasonMax;

/**
 * The reason as the vault will store it, or undefined when it is too short or shows nothing: spaces
 * folded, and without the control and reading-direction characters the vault refuses (they carry
 * no words).
 */
export function cleanReason(value: unknown): string | undefined {
  const folded = typeof value === 'string' ? value.replace(/\s+/g, ' ') : '';
  // Folded again once they are gone: a tab, NUL, tab left two spaces side by side.
  const plain = Array.from(folded)
    .filter((c) => !holdsForbiddenCharacter(c))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = plain.slice(0, REASON_MAX_LENGTH);
  // Never half of a character outside the BMP (the vault refuses an unpaired surrogate).
  const reason = (/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut).trimEnd();
  // Checked as sent: the vault refuses a reason of only invisible characters, even when what shows
  // came after the cut. That is no reason given.
  return reason.length < REASON_MIN_LENGTH || !isVisible(reason) ? undefined : reason;
}

export function buildManagerReasonModal(
  appId: string,
  viewId: string,
  t: Translator,
  title: string,
): IUIKitSurfaceViewParam {
  return {
    id: viewId,
    type: UIKitSurfaceType.MODAL,
    title: plainText(t('manager_reason_title')),
    blocks: [
      context('manager-view.intro', [t('manager_reason_intro', { title })]),
      input(
        'manager-view.reason',
        t('manager_reason_field'),
        textInput(appId, 'manager-view.reason', ManagerReasonAction.Reason, {
          placeholder: t('manager_reason_placeholder'),
          maxLength: REASON_MAX_LENGTH,
        }),
      ),
    ],
    submit: button(appId, 'manager-view.footer', ManagerReasonAction.Send, t('button_get_viewer'), {
      style: 'primary',
    }),
    close: button(appId, 'manager-view.footer', ManagerReasonAction.Cancel, t('button_cancel')),
  };
}
