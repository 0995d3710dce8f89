/**
 * Opening the agent's dialogs (ID&V, form picker) and routing their submits. The view's context
 * (room, agent) is saved under the view ID before the view opens, because a submit carries no room.
 * Rocket.Chat's client takes a view only within 5 s of the click, once per trigger ID: dialogs open
 * from what the app holds, never after a vault call.
 */
import type { IUIKitSurfaceViewParam } from '@rocket.chat/apps-engine/definition/accessors';
import type { IUIKitSurface } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Deps } from '../platform/deps';
import { notifyPrivately } from '../platform/notify';
import { randomId } from '../lib/ids';
import type { ViewContext, ViewKind } from '../persistence/view-contexts';
import { removeExpiredViewContexts, saveViewContext } from '../persistence/view-contexts';
import type { ScheduledSend } from './send-job';
import type { SendContext } from './send-context';
import { beginSend } from './send-context';

/** What a submit handler decided: close the view, or keep it open with inline errors by actionId. */
export interface SubmitOutcome {
  errors?: { [actionId: string]: string };
  /** What to send once the modal is answered (a scheduled job sends it: see send-job.ts). */
  send?: ScheduledSend;
}

export type SubmitHandler = (
  deps: Deps,
  context: ViewContext,
  view: IUIKitSurface,
  user: IUser,
) => Promise<SubmitOutcome>;

/** The values an agent entered in a view (UI-Kit's `view.state`), read with `readViewValue`. */
export type ViewState = object | undefined;

/**
 * The submit handler of a send dialog: re-checks on the server that the agent may still send in
 * the view's room (else the view closes and the agent is told why), then lets `decide` read the
 * view's state into what to send, or into inline errors.
 */
export function sendDialogSubmit(
  decide: (deps: Deps, sending: SendContext, state: ViewState, user: IUser) => Promise<SubmitOutcome>,
): SubmitHandler {
  return async (deps, context, view, user) => {
    const sending = await beginSend(deps, user, context.roomId);
    if (!sending) {
      return {};
    }
    return decide(deps, sending, (view as IUIKitSurface & { state?: ViewState }).state, user);
  };
}

export function viewKindOf(viewId: string): ViewKind | undefined {
  const prefix = viewId.split('-')[0];
  return prefix === 'idv' || prefix === 'form' || prefix === 'manager' || prefix === 'processor' ? prefix : undefined;
}

/** Opens a dialog for the sender (or a manager) in a room; `requestId` when it is about one request. */
export async function openDialog(
  deps: Deps,
  sending: SendContext,
  kind: ViewKind,
  triggerId: string | undefined,
  build: (viewId: string) => IUIKitSurfaceViewParam,
  requestId?: string,
): Promise<void> {
  if (!triggerId) {
    await notifyPrivately(deps, sending.agent, sending.room, sending.t('error_no_trigger'));
    return;
  }
  const persistenceReader = deps.read.getPersistenceReader();
  await removeExpiredViewContexts(persistenceReader, deps.persis);
  const now = Date.now();
  const viewId = `${kind}-${randomId()}`;
  await saveViewContext(deps.persis, {
    viewId,
    kind,
    roomId: sending.room.id,
    agentId: sending.agent.id,
    ...(requestId ? { requestId } : {}),
    createdAt: now,
    expiresAt: now + sending.config.dialogLifetimeMs,
  });
  await deps.modify.getUiController().openSurfaceView(build(viewId), { triggerId }, sending.agent);
}
