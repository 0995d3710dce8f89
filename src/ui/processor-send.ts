/**
 * What the agent sees of a relay-bound form: the modal that asks the parameters the admin left to
 * the agent (an amount, say), and the outcome line ("approved •••• 4242"). Never a card value.
 */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import { UIKitSurfaceType } from '@rocket.chat/apps-engine/definition/uikit';

import type { Translator } from '../i18n/i18n';
import type { RecordRelay } from '../persistence/request-records';
import { LIMITS } from '../vault/contract';
import { button, context, input, plainText, textInput } from './blocks';

export const ProcessorAction = {
  Send: 'processor.send',
  Cancel: 'processor.cancel',
} as const;

/** The input of the i-th asked parameter (its name is the record's `ask[i].name`). */
export function processorParamAction(index: number): string {
  return `processor.param.${index}`;
}

export function buildProcessorModal(
  appId: string,
  viewId: string,
  t: Translator,
  title: string,
  /** One input per asked parameter, with its label and hint in the agent's language. */
  inputs: ReadonlyArray<{ label: string; hint: string }>,
): IUIKitSurfaceViewParam {
  return {
    id: viewId,
    type: UIKitSurfaceType.MODAL,
    title: plainText(t('processor_modal_title')),
    blocks: [
      context('processor.intro', [t('processor_modal_intro', { title })]),
      ...inputs.map(({ label, hint }, i) =>
        input(
          `processor.param.${i}`,
          label,
          textInput(appId, `processor.param.${i}`, processorParamAction(i), {
            maxLength: LIMITS.relayParamValue,
          }),
          { hint },
        ),
      ),
    ],
    submit: button(appId, 'processor.footer', ProcessorAction.Send, t('button_send_to_processor'), {
      style: 'primary',
    }),
    close: button(appId, 'processor.footer', ProcessorAction.Cancel, t('button_cancel')),
  };
}

/** Final outcomes are answered again by the vault without sending: no button after them. */
export function isFinalOutcome(outcome: RecordRelay['outcome']): boolean {
  return outcome === 'approved' || outcome === 'declined';
}

const OUTCOME_KEYS: { [outcome in NonNullable<RecordRelay['outcome']>]: string } = {
  approved: 'processor_outcome_approved',
  declined: 'processor_outcome_declined',
  failed: 'processor_outcome_failed',
  unknown: 'processor_outcome_unknown',
};

/** Only a processor's code word is kept and shown, never free text from the processor's answer. */
export const DECLINE_CODE = /^[a-z][a-z0-9_]{0,39}$/;

/** "approved •••• 4242", "declined (card_declined) •••• 0002", "outcome unknown". */
export function processorOutcomeText(
  t: Translator,
  relay: Pick<RecordRelay, 'outcome' | 'last4' | 'declineCode'>,
): string {
  if (!relay.outcome) {
    return '';
  }
  const code = relay.outcome === 'declined' && relay.declineCode && DECLINE_CODE.test(relay.declineCode);
  const last4 = relay.last4 && /^\d{4}$/.test(relay.last4) ? ` •••• ${relay.last4}` : '';
  return `${t(OUTCOME_KEYS[relay.outcome])}${code ? ` (${relay.declineCode})` : ''}${last4}`;
}

/** What to do next, for outcomes that leave something to do. */
export function processorOutcomeHint(t: Translator, outcome: RecordRelay['outcome']): string | undefined {
  if (outcome === 'failed') {
    return t('processor_hint_failed');
  }
  return outcome === 'unknown' ? t('processor_hint_unknown') : undefined;
}
