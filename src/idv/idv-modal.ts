/** The agent's ID&V dialog: what to ask for, its length and the two character positions. */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import { UIKitSurfaceType } from '@rocket.chat/apps-engine/definition/uikit';

import type { Translator } from '../i18n/i18n';
import { button, context, input, option, plainText, staticSelect, textInput } from '../ui/blocks';
import type { IdvModalField } from './positions';
import { IDV_CUSTOM_LABEL_MAX, IDV_SECRET_KINDS } from './positions';

export const IdvAction = {
  SecretKind: 'idv.secret-kind',
  CustomLabel: 'idv.custom-label',
  Length: 'idv.length',
  FirstPosition: 'idv.first-position',
  SecondPosition: 'idv.second-position',
  Send: 'idv.send',
  Cancel: 'idv.cancel',
} as const;

/** Which input each validated field is, for inline errors. */
export const IDV_FIELD_ACTIONS: { [field in IdvModalField]: string } = {
  secretKind: IdvAction.SecretKind,
  customLabel: IdvAction.CustomLabel,
  length: IdvAction.Length,
  firstPosition: IdvAction.FirstPosition,
  secondPosition: IdvAction.SecondPosition,
};

export function buildIdvModal(
  appId: string,
  viewId: string,
  t: Translator,
  defaults: { length: number; positions: [number, number] },
): IUIKitSurfaceViewParam {
  const block = (actionId: string) => `${actionId}.block`;
  return {
    id: viewId,
    type: UIKitSurfaceType.MODAL,
    title: plainText(t('idv_modal_title')),
    notifyOnClose: true,
    blocks: [
      context('idv.intro', [t('idv_modal_intro')]),
      input(
        block(IdvAction.SecretKind),
        t('idv_field_secret'),
        staticSelect(
          appId,
          block(IdvAction.SecretKind),
          IdvAction.SecretKind,
          t('idv_field_secret_placeholder'),
          IDV_SECRET_KINDS.map((kind) => option(kind, t(`idv_secret_option_${kind}`))),
          'pin',
        ),
      ),
      input(
        block(IdvAction.CustomLabel),
        t('idv_field_custom_label'),
        textInput(appId, block(IdvAction.CustomLabel), IdvAction.CustomLabel, {
          placeholder: t('idv_field_custom_label_placeholder'),
          maxLength: IDV_CUSTOM_LABEL_MAX,
        }),
        { optional: true, hint: t('idv_field_custom_label_hint') },
      ),
      input(
        block(IdvAction.Length),
        t('idv_field_length'),
        textInput(appId, block(IdvAction.Length), IdvAction.Length, {
          initialValue: String(defaults.length),
        }),
      ),
      input(
        block(IdvAction.FirstPosition),
        t('idv_field_first_position'),
        textInput(appId, block(IdvAction.FirstPosition), IdvAction.FirstPosition, {
          initialValue: String(defaults.positions[0]),
        }),
      ),
      input(
        block(IdvAction.SecondPosition),
        t('idv_field_second_position'),
        textInput(appId, block(IdvAction.SecondPosition), IdvAction.SecondPosition, {
          initialValue: String(defaults.positions[1]),
        }),
        { hint: t('idv_field_positions_hint') },
      ),
    ],
    submit: button(appId, 'idv.footer', IdvAction.Send, t('button_send'), { style: 'primary' }),
    close: button(appId, 'idv.footer', IdvAction.Cancel, t('button_cancel')),
  };
}
