/**
 * The *Secure data* contextual bar: the room's requests, their states, and *View* for the sender
 * (*Send to processor* and the processor's outcome for a relay-bound form, which nobody views).
 */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import { UIKitSurfaceType } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import { hasAnswer } from '../persistence/record-states';
import { actions, button, context, divider, plainSection, plainText, section } from './blocks';
import { processorOutcomeText, isFinalOutcome } from './processor-send';
import { processorButton, viewButton } from './request-actions';

export const SecureDataAction = {
  Refresh: 'secure-data.refresh',
} as const;

/** "14:05" in the user's own UTC offset. */
export function clockTime(timestamp: number, utcOffsetHours: number): string {
  const local = new Date(timestamp + utcOffsetHours * 3600000);
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

export function secureDataViewId(roomId: string): string {
  return `secure-data-${roomId}`;
}

export function buildSecureDataBar(
  appId: string,
  t: Translator,
  roomId: string,
  records: readonly SecureRequestRecord[],
  viewer: IUser,
  /** A manager allowed to view values (with a reason) gets *View* on every answered request. */
  managerViews = false,
): IUIKitSurfaceViewParam {
  const items: LayoutBlock[] = [];
  records.forEach((record, i) => {
    const blockId = `secure-data.${i}`;
    const kind = t(record.kind === 'idv' ? 'secure_data_kind_idv' : 'secure_data_kind_form');
    const text = t('secure_data_item', {
      title: record.title,
      kind,
      state: t(`state_${record.state}`),
      agent: record.agentUsername,
      time: clockTime(record.createdAt, viewer.utcOffset || 0),
    });
    const answered = hasAnswer(record.state);
    const { relay } = record;
    let accessory;
    if (relay) {
      accessory =
        viewer.id === record.agentId && answered && !isFinalOutcome(relay.outcome)
          ? processorButton(appId, blockId, t, record)
          : undefined;
    } else if ((viewer.id === record.agentId || managerViews) && answered) {
      accessory = viewButton(appId, blockId, t, record);
    }
    const outcome =
      relay && relay.outcome ? `\n${t('processor_outcome_line', { outcome: processorOutcomeText(t, relay) })}` : '';
    items.push(plainSection(blockId, `${text}${outcome}`, accessory));
    items.push(divider(`${blockId}.divider`));
  });
  return {
    id: secureDataViewId(roomId),
    type: UIKitSurfaceType.CONTEXTUAL_BAR,
    title: plainText(t('secure_data_title')),
    blocks: [
      ...(items.length ? items : [section('secure-data.empty', t('secure_data_empty'))]),
      context('secure-data.note', [t('secure_data_note')]),
      actions('secure-data.actions', [
        button(appId, 'secure-data.actions', SecureDataAction.Refresh, t('button_refresh'), { value: roomId }),
      ]),
    ],
  };
}
