/**
 * UI-Kit interactions, routed by actionId (buttons) or by the view's saved context (submits) to
 * one function each. Unknown actions are acknowledged and ignored.
 */
import type {
  IUIKitResponse,
  UIKitActionButtonInteractionContext,
  UIKitBlockInteractionContext,
  UIKitViewCloseInteractionContext,
  UIKitViewSubmitInteractionContext,
} from '@rocket.chat/apps-engine/definition/uikit';
import type {
  IUIKitActionButtonIncomingInteraction,
  IUIKitBlockIncomingInteraction,
} from '@rocket.chat/apps-engine/definition/uikit/UIKitIncomingInteractionTypes';
import { RoomTypeFilter, UIActionButtonContext } from '@rocket.chat/apps-engine/definition/ui';
import type { IUIActionButtonDescriptor } from '@rocket.chat/apps-engine/definition/ui';

import { openFormDialog, submitFormDialog } from '../forms/form-dialog';
import { FormAction } from '../forms/form-picker-modal';
import { openIdvDialog, submitIdvDialog } from '../idv/idv-dialog';
import { IdvAction } from '../idv/idv-modal';
import { translatorFor } from '../i18n/i18n';
import type { ViewKind } from '../persistence/view-contexts';
import { readViewContext, removeViewContext, saveViewContext } from '../persistence/view-contexts';
import type { SubmitHandler } from '../requests/dialogs';
import { viewKindOf } from '../requests/dialogs';
import { submitManagerReason } from '../requests/manager-view';
import { startProcessorSend, submitProcessorParams } from '../requests/processor-send';
import { sendRefusal } from '../requests/send-context';
import { scheduleSend } from '../requests/send-job';
import { runSerially } from '../lib/serial';
import { revealRequest } from '../requests/reveal';
import { showSecureData } from '../requests/secure-data';
import { ManagerReasonAction } from '../ui/manager-reason-modal';
import { processorParamAction } from '../ui/processor-send';
import { MaskingAction } from '../ui/masking-notice';
import { RequestAction } from '../ui/request-actions';
import { SecureDataAction } from '../ui/secure-data-bar';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';

export const RoomAction = {
  VerifyIdentity: 'room.verify-identity',
  SendSecureForm: 'room.send-secure-form',
  SecureData: 'room.secure-data',
} as const;

/** The room actions, shown by the client in livechat rooms only (a hint: handlers check again). */
export const ROOM_ACTION_BUTTONS: readonly IUIActionButtonDescriptor[] = [
  {
    actionId: RoomAction.VerifyIdentity,
    labelI18n: 'action_verify_identity',
    context: UIActionButtonContext.ROOM_ACTION,
    when: { roomTypes: [RoomTypeFilter.LIVE_CHAT] },
  },
  {
    actionId: RoomAction.SendSecureForm,
    labelI18n: 'action_send_secure_form',
    context: UIActionButtonContext.ROOM_ACTION,
    when: { roomTypes: [RoomTypeFilter.LIVE_CHAT] },
  },
  {
    actionId: RoomAction.SecureData,
    labelI18n: 'action_secure_data',
    context: UIActionButtonContext.ROOM_ACTION,
    when: { roomTypes: [RoomTypeFilter.LIVE_CHAT] },
  },
];

type ActionButtonHandler = (deps: Deps, data: IUIKitActionButtonIncomingInteraction) => Promise<void>;

const ACTION_BUTTONS: { [actionId: string]: ActionButtonHandler } = {
  [RoomAction.VerifyIdentity]: (deps, data) => openIdvDialog(deps, data.user, data.room, data.triggerId),
  [RoomAction.SendSecureForm]: (deps, data) => openFormDialog(deps, data.user, data.room, data.triggerId),
  [RoomAction.SecureData]: (deps, data) =>
    showSecureData(deps, data.user, data.room && data.room.id, data.triggerId, 'open', data.room),
};

type BlockActionHandler = (deps: Deps, data: IUIKitBlockIncomingInteraction) => Promise<void>;

const BLOCK_ACTIONS: { [actionId: string]: BlockActionHandler } = {
  [RequestAction.View]: (deps, data) => revealRequest(deps, data.user, data.value, data.triggerId, data.room),
  [RequestAction.SendToProcessor]: (deps, data) =>
    startProcessorSend(deps, data.user, data.value, data.triggerId, data.room),
  [SecureDataAction.Refresh]: (deps, data) =>
    showSecureData(deps, data.user, data.value, data.triggerId, 'update', data.room),
  // From the notice that a visitor's message was masked: the usual dialog, every check included.
  [MaskingAction.SendForm]: (deps, data) =>
    openFormDialog(deps, data.user, data.room, data.triggerId, data.value || undefined, { suggested: true }),
};

const SUBMITS: { [kind in ViewKind]: SubmitHandler } = {
  idv: submitIdvDialog,
  form: submitFormDialog,
  manager: submitManagerReason,
  processor: submitProcessorParams,
};

/** The input that carries a dialog-wide error, for each dialog. */
const FIRST_INPUT: { [kind in ViewKind]: string } = {
  idv: IdvAction.SecretKind,
  form: FormAction.Pick,
  manager: ManagerReasonAction.Reason,
  processor: processorParamAction(0),
};

export async function handleActionButton(
  deps: Deps,
  context: UIKitActionButtonInteractionContext,
): Promise<IUIKitResponse> {
  const data = context.getInteractionData();
  const handler = ACTION_BUTTONS[data.actionId];
  if (handler) {
    await handler(deps, data);
  }
  return context.getInteractionResponder().successResponse();
}

export async function handleBlockAction(deps: Deps, context: UIKitBlockInteractionContext): Promise<IUIKitResponse> {
  const data = context.getInteractionData();
  const handler = BLOCK_ACTIONS[data.actionId];
  if (handler) {
    await handler(deps, data);
  }
  return context.getInteractionResponder().successResponse();
}

export async function handleViewSubmit(
  deps: Deps,
  context: UIKitViewSubmitInteractionContext,
): Promise<IUIKitResponse> {
  const { view, user } = context.getInteractionData();
  const responder = context.getInteractionResponder();
  const kind = viewKindOf(view.id);
  if (!kind) {
    return responder.successResponse();
  }
  // Answered at once (no vault call here) and sent once: a second click on Send finds the dialog sent.
  return runSerially(`view:${view.id}`, async () => {
    const saved = await readViewContext(deps.read.getPersistenceReader(), deps.persis, view.id);
    if (!saved || 'chatClosed' in saved || saved.agentId !== user.id || saved.kind !== kind) {
      const t = translatorFor(await localeForUser(deps.read, user));
      const why = saved && 'chatClosed' in saved ? 'error_room_closed' : 'error_dialog_expired';
      return responder.viewErrorResponse({ viewId: view.id, errors: { [FIRST_INPUT[kind]]: t(why) } });
    }
    if (saved.sentAt) {
      return responder.successResponse();
    }
    const refused = kind === 'idv' || kind === 'form' ? await sendRefusal(deps, user, saved.roomId) : undefined;
    if (refused) {
      const t = translatorFor(await localeForUser(deps.read, user));
      return responder.viewErrorResponse({ viewId: view.id, errors: { [FIRST_INPUT[kind]]: t(refused) } });
    }
    const outcome = await SUBMITS[kind](deps, saved, view, user);
    if (outcome.errors && Object.keys(outcome.errors).length > 0) {
      return responder.viewErrorResponse({ viewId: view.id, errors: outcome.errors });
    }
    if (outcome.send) {
      await saveViewContext(deps.persis, { ...saved, sentAt: Date.now() });
      await scheduleSend(deps, saved.roomId, user.id, outcome.send);
    } else {
      await removeViewContext(deps.persis, view.id);
    }
    return responder.successResponse();
  });
}

export async function handleViewClosed(deps: Deps, context: UIKitViewCloseInteractionContext): Promise<IUIKitResponse> {
  const { view, user } = context.getInteractionData();
  const saved = viewKindOf(view.id)
    ? await readViewContext(deps.read.getPersistenceReader(), deps.persis, view.id)
    : undefined;
  if (saved && ('chatClosed' in saved || saved.agentId === user.id)) {
    await removeViewContext(deps.persis, view.id);
  }
  return context.getInteractionResponder().successResponse();
}
