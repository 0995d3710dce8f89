/** The secure form flow on the agent's side: open the picker, then send the chosen form. */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Deps } from '../platform/deps';
import { localeForUser, localeForVisitor } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import { openDialog, sendDialogSubmit } from '../requests/dialogs';
import { beginSend } from '../requests/send-context';
import { readViewValue } from '../ui/blocks';
import { maskIdentifiers } from '../redaction/mask-identifiers';
import { isFormId } from '../vault/contract';
import type { CatalogProblem } from './catalog';
import { describeCatalogProblems, findForm, localizeForm } from './catalog';
import { buildFormPickerModal, FormAction } from './form-picker-modal';
import { loadCatalog } from './load-catalog';

/** A form id such as `kyc_2024_v2` holds a few digits; an SSN holds nine, a phone number more. */
const MAX_DIGITS_NAMED_BACK = 6;

/** What the picker says about a broken custom catalog: the details for admins, a short note for agents. */
function catalogNotice(problems: readonly CatalogProblem[], user: IUser, t: Translator): string | undefined {
  if (problems.length === 0) {
    return undefined;
  }
  return (user.roles || []).indexOf('admin') >= 0
    ? t('catalog_invalid_admin', { problems: describeCatalogProblems(problems, t) })
    : t('catalog_invalid_agent');
}

/**
 * `/secure-form [form-id]`, the *Send secure form* room action, and the button of a masking notice,
 * whose form is only `suggested`: when that form is no longer offered, the picker opens without it.
 */
export async function openFormDialog(
  deps: Deps,
  user: IUser,
  room: IRoom | undefined,
  triggerId: string | undefined,
  requestedFormId?: string,
  options: { suggested?: boolean } = {},
): Promise<void> {
  const sending = await beginSend(deps, user, room && room.id, room);
  if (!sending) {
    return;
  }
  const { forms, problems } = loadCatalog(sending.config);
  if (forms.length === 0) {
    await notifyPrivately(deps, user, sending.room, sending.t('error_no_forms'));
    return;
  }
  let preselected: string | undefined;
  if (requestedFormId) {
    if (findForm(forms, requestedFormId)) {
      preselected = requestedFormId;
    } else if (!options.suggested) {
      // What was typed is named back only when it could be a form id and holds no card number, IBAN
      // or SSN, nor more digits than a form id needs (an SSN written 078_05_1120 is not one the
      // detectors know): a value typed into the wrong box is not repeated.
      const available = forms.map((f) => f.id).join(', ');
      const nameable =
        isFormId(requestedFormId) &&
        maskIdentifiers(requestedFormId) === requestedFormId &&
        (requestedFormId.match(/\d/g) ?? []).length <= MAX_DIGITS_NAMED_BACK;
      await notifyPrivately(
        deps,
        user,
        sending.room,
        nameable
          ? sending.t('error_unknown_form', { formId: requestedFormId, forms: available })
          : sending.t('error_unknown_form_unnamed', { forms: available }),
      );
    }
  }
  const locale = await localeForUser(deps.read, user);
  const notice = catalogNotice(problems, user, sending.t);
  await openDialog(deps, sending, 'form', triggerId, (viewId) =>
    buildFormPickerModal(deps.app.getID(), viewId, sending.t, locale, forms, preselected, notice),
  );
}

/** Send on the form picker: the chosen form, localized for the visitor. */
export const submitFormDialog = sendDialogSubmit(async (deps, sending, state, user) => {
  const picked = readViewValue(state, FormAction.Pick);
  if (typeof picked !== 'string' || picked === '') {
    return { errors: { [FormAction.Pick]: sending.t('validation_form_required') } };
  }
  const form = findForm(loadCatalog(sending.config).forms, picked);
  if (!form) {
    return { errors: { [FormAction.Pick]: sending.t('validation_form_unknown') } };
  }
  const visitorLocale = await localeForVisitor(deps.read, sending.config.visitorLanguage);
  const vt = translatorFor(visitorLocale);
  const spec = localizeForm(form, visitorLocale);
  return {
    send: {
      kind: 'form',
      title: spec.title,
      visitorLocale,
      form: spec,
      ...(form.relay ? { relay: form.relay } : {}),
      visitorText: vt('visitor_form_request', { agent: user.name || user.username, title: spec.title }),
      buttonText: vt('visitor_form_button'),
    },
  };
});
