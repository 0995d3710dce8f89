/** The agent's form picker: one select of the catalog's forms, and a note when the custom catalog is broken. */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import { UIKitSurfaceType } from '@rocket.chat/apps-engine/definition/uikit';
import type { Option } from '@rocket.chat/ui-kit';

import type { Translator } from '../i18n/i18n';
import { button, context, input, plainContext, plainText, staticSelect } from '../ui/blocks';
import { localizeText } from './catalog';
import type { CatalogForm } from './catalog-types';

export const FormAction = {
  Pick: 'form.pick',
  Send: 'form.send',
  Cancel: 'form.cancel',
} as const;

export function buildFormPickerModal(
  appId: string,
  viewId: string,
  t: Translator,
  locale: string,
  forms: readonly CatalogForm[],
  preselected?: string,
  notice?: string,
): IUIKitSurfaceViewParam {
  const blockId = `${FormAction.Pick}.block`;
  const options: Option[] = forms.map((form) => ({
    value: form.id,
    text: plainText(localizeText(form.title, locale)),
    description: plainText(
      form.fields
        .map((f) => localizeText(f.label, locale))
        .join(', ')
        .slice(0, 150),
    ),
  }));
  return {
    id: viewId,
    type: UIKitSurfaceType.MODAL,
    title: plainText(t('form_modal_title')),
    notifyOnClose: true,
    blocks: [
      context('form.intro', [t('form_modal_intro')]),
      input(
        blockId,
        t('form_field_pick'),
        staticSelect(appId, blockId, FormAction.Pick, t('form_field_pick_placeholder'), options, preselected),
      ),
      ...(notice ? [plainContext('form.notice', [notice])] : []),
    ],
    submit: button(appId, 'form.footer', FormAction.Send, t('button_send'), { style: 'primary' }),
    close: button(appId, 'form.footer', FormAction.Cancel, t('button_cancel')),
  };
}
