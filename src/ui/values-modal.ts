/**
 * The modal that shows a request's answer to its sender, right after the app redeemed the
 * detokenize OTK. Shown, never stored: modals are not part of the room's history.
 */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import { UIKitSurfaceType } from '@rocket.chat/apps-engine/definition/uikit';
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import type { DetokenizeResponse, FieldSummary } from '../vault/contract';
import { button, context, fieldsSection, plainContext, plainText } from './blocks';

export const ValuesAction = {
  Close: 'values.close',
} as const;

/** One answer as label and value, both plain text: a visitor's value is never read as markdown. */
function valueLine(
  blockId: string,
  t: Translator,
  label: string,
  value: string | undefined,
  expired: boolean,
  offTheRecord: boolean,
  expiredKey: string,
): LayoutBlock {
  const shown = value !== undefined && value !== '' ? value : expired ? t(expiredKey) : t('values_empty');
  return fieldsSection(blockId, offTheRecord ? `${label} (${t('values_off_record')})` : label, shown);
}

export function buildValuesModal(
  appId: string,
  viewId: string,
  t: Translator,
  record: Pick<SecureRequestRecord, 'kind' | 'title' | 'positions' | 'requestId'>,
  fields: readonly FieldSummary[],
  answer: DetokenizeResponse,
): IUIKitSurfaceViewParam {
  const expired = (id: string) => answer.expired.indexOf(id) >= 0;
  const lines: LayoutBlock[] =
    record.kind === 'idv'
      ? (record.positions || []).map((position, i) =>
          valueLine(
            `values.${i}`,
            t,
            t('values_character', { position }),
            answer.values[String(position)],
            expired(String(position)),
            false,
            'values_expired_idv',
          ),
        )
      : fields.map((field, i) =>
          valueLine(
            `values.${i}`,
            t,
            field.label,
            answer.values[field.id],
            expired(field.id),
            field.offTheRecord,
            'values_expired_form',
          ),
        );
  return {
    id: viewId,
    type: UIKitSurfaceType.MODAL,
    title: plainText(t(record.kind === 'idv' ? 'values_modal_title_idv' : 'values_modal_title_form')),
    blocks: [plainContext('values.title', [record.title]), ...lines, context('values.note', [t('values_note')])],
    close: button(appId, 'values.footer', ValuesAction.Close, t('button_close')),
  };
}
