/** The ID&V flow on the agent's side: open the dialog, then validate it and say what to send. */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Deps } from '../platform/deps';
import { localeForVisitor } from '../platform/locale';
import { translatorFor } from '../i18n/i18n';
import { openDialog, sendDialogSubmit } from '../requests/dialogs';
import { beginSend } from '../requests/send-context';
import { maskingConfig } from '../redaction/masking-config';
import { redactText } from '../redaction/redact';
import { readViewValue } from '../ui/blocks';
import { buildIdvModal, IDV_FIELD_ACTIONS, IdvAction } from './idv-modal';
import type { IdvModalField, IdvQuestion } from './positions';
import { IDV_DEFAULT_LENGTH, pickRandomPositions, validateIdvInput } from './positions';

/** `/idv` and the *Verify identity* room action. */
export async function openIdvDialog(
  deps: Deps,
  user: IUser,
  room: IRoom | undefined,
  triggerId: string | undefined,
): Promise<void> {
  const sending = await beginSend(deps, user, room && room.id, room);
  if (!sending) {
    return;
  }
  const defaults = { length: IDV_DEFAULT_LENGTH, positions: pickRandomPositions(IDV_DEFAULT_LENGTH) };
  await openDialog(deps, sending, 'idv', triggerId, (viewId) =>
    buildIdvModal(deps.app.getID(), viewId, sending.t, defaults),
  );
}

/** The secret's name as the visitor reads it: a translated kind, or the agent's own words. */
export function secretName(question: IdvQuestion, visitorLocale: string): string {
  return question.secretKind === 'custom' && question.customLabel
    ? question.customLabel
    : translatorFor(visitorLocale)(`idv_secret_${question.secretKind}`);
}

/** Send on the ID&V dialog: the question when it is valid, else the errors by field. */
export const submitIdvDialog = sendDialogSubmit(async (deps, sending, state) => {
  // The agent's own words, masked as the chat would mask them before the vault, the app's records
  // or the post in the agent's name hold them; checked as masked, since that is what is sent.
  const typed = readViewValue(state, IdvAction.CustomLabel);
  const rules = (await maskingConfig(deps.read)).rules;
  const validation = validateIdvInput({
    secretKind: readViewValue(state, IdvAction.SecretKind),
    customLabel: typeof typed === 'string' ? redactText(typed, rules, 'agent').text : typed,
    length: readViewValue(state, IdvAction.Length),
    firstPosition: readViewValue(state, IdvAction.FirstPosition),
    secondPosition: readViewValue(state, IdvAction.SecondPosition),
  });
  if (!validation.question) {
    const errors: { [actionId: string]: string } = {};
    (Object.keys(validation.errors) as IdvModalField[]).forEach((field) => {
      const problem = validation.errors[field];
      if (problem) {
        errors[IDV_FIELD_ACTIONS[field]] = sending.t(problem.key, problem.params);
      }
    });
    return { errors };
  }

  const visitorLocale = await localeForVisitor(deps.read, sending.config.visitorLanguage);
  const vt = translatorFor(visitorLocale);
  const label = secretName(validation.question, visitorLocale);
  const [first, second] = validation.question.positions;
  return {
    send: {
      kind: 'idv',
      title: label,
      visitorLocale,
      idv: { label, positions: [first, second] },
      visitorText: vt('visitor_idv_request', { first, second, secret: label }),
      buttonText: vt('visitor_idv_button'),
    },
  };
});
