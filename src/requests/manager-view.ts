/**
 * A manager's *View* (off unless the admin allows it here and the vault's admin allows it there):
 * a modal asks for a reason, then the vault mints a viewer link for the manager's own user ID with
 * that reason, which the vault keeps in its audit trail. Only chats that are still open; never
 * off-the-record values (the vault withholds them from managers).
 *
 * The reason's submit is answered at once: Rocket.Chat's client waits 5 s for it, and the vault may
 * take longer. A one-off job asks the vault and hands the link over by private notice (a notice has
 * no deadline), as the sender's *View* does. The job's data holds IDs and the reason, never a link.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import { RoomType } from '@rocket.chat/apps-engine/definition/rooms';
import type { IJobContext, IProcessor } from '@rocket.chat/apps-engine/definition/scheduler';
import type { IUIKitSurface } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import type { SecureRequestRecord } from '../persistence/request-records';
import { findRequestRecord } from '../persistence/request-records';
import { hasAnswer } from '../persistence/record-states';
import type { ViewContext } from '../persistence/view-contexts';
import { oneOffJobs, scheduleOneOff } from '../platform/jobs';
import type { AppRef, Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import type { AppConfig } from '../settings/settings';
import { MANAGER_ROLES, readAppConfig } from '../settings/settings';
import { readViewValue } from '../ui/blocks';
import { maskIdentifiers } from '../redaction/mask-identifiers';
import { buildManagerReasonModal, cleanReason, ManagerReasonAction } from '../ui/manager-reason-modal';
import { hideCardLikeRuns } from '../vault/contract';
import type { SubmitOutcome } from './dialogs';
import { openDialog } from './dialogs';
import { currentRoom } from './send-context';
import { handViewerLink } from './viewer-link';

/**
 * A manager may ask to view: the admin's setting is on, they hold a manager role, the chat is open,
 * it was answered, and it is not a relay-bound form (nobody views those).
 */
export function mayViewAsManager(
  config: Pick<AppConfig, 'managersMayViewValues'>,
  user: IUser,
  room: IRoom | undefined,
  record: Pick<SecureRequestRecord, 'state' | 'relay'>,
): room is ILivechatRoom {
  return (
    config.managersMayViewValues &&
    !record.relay &&
    (user.roles || []).some((role) => MANAGER_ROLES.indexOf(role) >= 0) &&
    Boolean(room) &&
    (room as IRoom).type === RoomType.LIVE_CHAT &&
    (room as ILivechatRoom).isOpen === true &&
    hasAnswer(record.state)
  );
}

/** Opens the reason modal at once, from what the app holds: no vault call before it. */
export async function openManagerReasonDialog(
  deps: Deps,
  config: AppConfig,
  t: Translator,
  user: IUser,
  room: ILivechatRoom,
  record: SecureRequestRecord,
  triggerId: string,
): Promise<void> {
  await openDialog(
    deps,
    { config, room, agent: user, t },
    'manager',
    triggerId,
    (viewId) => buildManagerReasonModal(deps.app.getID(), viewId, t, record.title),
    record.requestId,
  );
}

export const MANAGER_VIEW_JOB_ID = 'manager-view';

interface ManagerViewJobData {
  requestId: string;
  roomId: string;
  managerId: string;
  reason: string;
}

/**
 * A reason goes into the scheduler's job data and the vault's audit trail: no card number, IBAN or
 * SSN as typed, and no other run of digits the vault would take for a card number and refuse.
 */
export function maskedReason(reason: string | undefined): string | undefined {
  return reason === undefined ? undefined : hideCardLikeRuns(maskIdentifiers(reason));
}

/** The reason modal's submit: checks the reason, schedules the link's delivery, and answers at once. */
export async function submitManagerReason(
  deps: Deps,
  context: ViewContext,
  view: IUIKitSurface,
  user: IUser,
): Promise<SubmitOutcome> {
  const reason = maskedReason(
    cleanReason(readViewValue((view as IUIKitSurface & { state?: object }).state, ManagerReasonAction.Reason)),
  );
  if (!reason) {
    const t = translatorFor(await localeForUser(deps.read, user));
    return { errors: { [ManagerReasonAction.Reason]: t('validation_reason_required') } };
  }
  const data: ManagerViewJobData = {
    requestId: context.requestId || '',
    roomId: context.roomId,
    managerId: user.id,
    reason,
  };
  await scheduleOneOff(deps, MANAGER_VIEW_JOB_ID, context.roomId, data);
  return {};
}

/** The job: checks everything again (the chat may have closed meanwhile), then hands the manager a viewer link. */
export async function runManagerViewJob(deps: Deps, job: IJobContext): Promise<void> {
  const { requestId, roomId, managerId, reason } = job as unknown as ManagerViewJobData;
  const user = await deps.read.getUserReader().getById(managerId);
  if (!user) {
    return;
  }
  const t = translatorFor(await localeForUser(deps.read, user));
  const config = await readAppConfig(deps.read);
  const record = requestId ? await findRequestRecord(deps.read.getPersistenceReader(), requestId) : undefined;
  const room = await currentRoom(deps, roomId);
  if (!record || record.roomId !== roomId || !mayViewAsManager(config, user, room, record)) {
    if (room) {
      await notifyPrivately(deps, user, room, t('error_view_room_closed'));
    }
    return;
  }
  await handViewerLink(deps, config, t, { record, room, user, purpose: 'manager', reason });
}

export function managerViewJobProcessors(app: AppRef): IProcessor[] {
  return oneOffJobs(app, MANAGER_VIEW_JOB_ID, runManagerViewJob);
}
