/**
 * A request's answer for its sender, right after the app redeemed the detokenize OTK, as blocks of
 * a private notice: shown to that user only, never stored, gone on reload. A notice, not a modal:
 * the vault calls take longer than the 5 s in which Rocket.Chat's client would take a modal.
 */
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import { plainCharacter } from './answer-characters';
import type { SecureRequestRecord } from '../persistence/request-records';
import type { DetokenizeResponse, FieldSummary } from '../vault/contract';
import { ownValue } from '../../vault/src/contract/own-value';
import { context, fieldsSection, plainContext } from './blocks';

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

function idvCharacter(t: Translator, character: string | undefined): string | undefined {
  return character === undefined || character === '' ? character : plainCharacter(character, t);
}

export function buildValuesBlocks(
  t: Translator,
  record: Pick<SecureRequestRecord, 'kind' | 'title' | 'positions' | 'requestId'>,
  fields: readonly FieldSummary[],
  answer: DetokenizeResponse,
): LayoutBlock[] {
  const expired = (id: string) => answer.expired.indexOf(id) >= 0;
  const lines: LayoutBlock[] =
    record.kind === 'idv'
      ? (record.positions || []).map((position, i) =>
          valueLine(
            `values.${i}`,
            t,
            t('values_character', { position }),
            idvCharacter(t, ownValue(answer.values, String(position))),
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
            ownValue(answer.values, field.id),
            expired(field.id),
            field.offTheRecord,
            'values_expired_form',
          ),
        );
  const heading = t(record.kind === 'idv' ? 'values_modal_title_idv' : 'values_modal_title_form');
  return [plainContext('values.title', [heading, record.title]), ...lines, context('values.note', [t('values_note')])];
}
