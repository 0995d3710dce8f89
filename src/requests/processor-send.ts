/**
 * *Send to processor*: a relay-bound form's card data goes from the vault straight to the payment
 * processor; the agent sees the outcome and the last 4 digits, never a value. Only the sender,
 * only while the chat is open, only once the visitor submitted. The click opens at once a modal for
 * the parameters the admin left to the agent (an amount), or schedules the send when there are
 * none; a one-off job asks the vault (which may wait seconds for the processor) and tells the agent
 * privately. The job's data holds IDs and those plain parameters, never a card value.
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
import { findRequestRecord, updateExistingRequestRecord } from '../persistence/request-records';
import { hasAnswer } from '../persistence/record-states';
import type { ViewContext } from '../persistence/view-contexts';
import { oneOffJob } from '../platform/jobs';
import type { AppRef, Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { readAppConfig } from '../settings/settings';
import { readViewValue } from '../ui/blocks';
import {
  buildProcessorModal,
  isFinalOutcome,
  processorOutcomeHint,
  processorOutcomeText,
  processorParamAction,
} from '../ui/processor-send';
import { processorButtonBlocks } from '../ui/request-actions';
import { isRelayParamValue } from '../vault/contract';
import type { RelaySendResponse } from '../vault/contract';
import { isVaultCallError, loggableError, vaultCallErrorMessageKey } from '../vault/vault-call-error';
import type { SubmitOutcome } from './dialogs';
import { openDialog } from './dialogs';
import { requestClick } from './request-click';
import { currentRoom, vaultClient } from './send-context';

export const PROCESSOR_SEND_JOB_ID = 'processor-send';

interface ProcessorSendJobData {
  requestId: string;
  roomId: string;
  agentId: string;
  params: { [name: string]: string };
}

type Relayed = SecureRequestRecord & { relay: NonNullable<SecureRequestRecord['relay']> };

/** Why `user` may not send this record to its processor now (an i18n key), or undefined when they may. */
function refusal(record: SecureRequestRecord | undefined, user: IUser, room: IRoom | undefined): string | undefined {
  if (!record || !record.relay) {
    return 'error_request_unknown';
  }
  if (record.agentId !== user.id) {
    return 'error_processor_not_sender';
  }
  if (!room || room.type !== RoomType.LIVE_CHAT || !(room as ILivechatRoom).isOpen) {
    return 'error_processor_room_closed';
  }
  return hasAnswer(record.state) ? undefined : 'error_not_answered';
}

/** The outcome, privately to the agent, with *Send to processor* again when something is left to do. */
async function tellOutcome(deps: Deps, t: Translator, agent: IUser, room: IRoom, record: Relayed): Promise<void> {
  const hint = processorOutcomeHint(t, record.relay.outcome);
  const text = t('notify_processor_outcome', { title: record.title, outcome: processorOutcomeText(t, record.relay) });
  await notifyPrivately(
    deps,
    agent,
    room,
    hint ? `${text}\n${hint}` : text,
    isFinalOutcome(record.relay.outcome) ? undefined : processorButtonBlocks(deps.app.getID(), t, record),
  );
}

export async function scheduleProcessorSend(
  deps: Deps,
  record: Relayed,
  askedParams: { [name: string]: string } = {},
): Promise<void> {
  const data: ProcessorSendJobData = {
    requestId: record.requestId,
    roomId: record.roomId,
    agentId: record.agentId,
    params: { ...record.relay.params, ...askedParams },
  };
  await deps.modify.getScheduler().scheduleOnce({ id: PROCESSOR_SEND_JOB_ID, when: new Date(), data });
}

/** The click: answered at once, from what the app holds (no vault call before a modal). */
export async function startProcessorSend(
  deps: Deps,
  user: IUser,
  requestId: string | undefined,
  triggerId: string,
  interactionRoom?: IRoom,
): Promise<void> {
  const { t, record, room, reply } = await requestClick(deps, user, requestId, interactionRoom);
  const refused = refusal(record, user, room);
  if (refused || !record || !record.relay || !room) {
    await reply(refused || 'error_request_unknown');
    return;
  }
  const relayed = record as Relayed;
  if (isFinalOutcome(relayed.relay.outcome)) {
    await tellOutcome(deps, t, user, room, relayed); // sent already: the vault would only answer the same
    return;
  }
  if (relayed.relay.ask.length === 0) {
    await scheduleProcessorSend(deps, relayed);
    return;
  }
  await openDialog(
    deps,
    { config: await readAppConfig(deps.read), room: room as ILivechatRoom, agent: user, t },
    'processor',
    triggerId,
    (viewId) => buildProcessorModal(deps.app.getID(), viewId, t, record.title, relayed.relay.ask),
    record.requestId,
  );
}

/** The modal's submit: each asked parameter must be plain words or numbers; then the job sends. */
export async function submitProcessorParams(
  deps: Deps,
  context: ViewContext,
  view: IUIKitSurface,
  user: IUser,
): Promise<SubmitOutcome> {
  const t = translatorFor(await localeForUser(deps.read, user));
  const record = context.requestId
    ? await findRequestRecord(deps.read.getPersistenceReader(), context.requestId)
    : undefined;
  const room = record ? await currentRoom(deps, record.roomId) : undefined;
  const refused = refusal(record, user, room);
  if (refused || !record || !record.relay) {
    if (room) {
      await notifyPrivately(deps, user, room, t(refused || 'error_request_unknown'));
    }
    return {};
  }
  const state = (view as IUIKitSurface & { state?: object }).state;
  const asked: { [name: string]: string } = {};
  const errors: { [actionId: string]: string } = {};
  record.relay.ask.forEach((name, i) => {
    const raw = readViewValue(state, processorParamAction(i));
    const value = typeof raw === 'string' ? raw.trim() : '';
    if (value === '' || !isRelayParamValue(value)) {
      errors[processorParamAction(i)] = t('validation_processor_param');
    } else {
      asked[name] = value;
    }
  });
  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  await scheduleProcessorSend(deps, record as Relayed, asked);
  return {};
}

/** The job: every check again (the chat may have closed), then the vault sends and the agent is told. */
export async function runProcessorSendJob(deps: Deps, job: IJobContext): Promise<void> {
  const { requestId, roomId, agentId, params } = job as unknown as ProcessorSendJobData;
  const logger = deps.app.getLogger();
  const agent = await deps.read.getUserReader().getById(agentId);
  const record = await findRequestRecord(deps.read.getPersistenceReader(), requestId);
  const room = await currentRoom(deps, roomId);
  if (!agent || !room) {
    return;
  }
  const t = translatorFor(await localeForUser(deps.read, agent));
  const refused = refusal(record, agent, room);
  if (refused || !record || !record.relay || record.roomId !== roomId) {
    await notifyPrivately(deps, agent, room, t(refused || 'error_request_unknown'));
    return;
  }
  let result: RelaySendResponse;
  try {
    result = await vaultClient(deps, await readAppConfig(deps.read)).sendToProcessor(requestId, {
      agentId,
      params,
    });
  } catch (err) {
    logger.warn({ msg: 'Send to processor refused or failed', requestId, error: loggableError(err) });
    // `conflict`: the relay is gone or its template cannot be filled: only the vault's admin can fix it.
    const key =
      isVaultCallError(err) && err.vaultCode === 'conflict'
        ? 'error_processor_conflict'
        : vaultCallErrorMessageKey(err);
    await notifyPrivately(deps, agent, room, t(key));
    return;
  }
  const declineCode = result.kept.decline_code || result.kept.error_code;
  const updated = await updateExistingRequestRecord(deps.persis, deps.read.getPersistenceReader(), record, {
    relay: {
      ...record.relay,
      outcome: result.outcome,
      ...(result.last4 ? { last4: result.last4 } : {}),
      ...(typeof declineCode === 'string' ? { declineCode } : {}),
    },
  });
  logger.info({ msg: 'Sent to processor', requestId, outcome: result.outcome });
  if (updated) {
    await tellOutcome(deps, t, agent, room, updated as Relayed);
  }
}

export function processorSendJobProcessor(app: AppRef): IProcessor {
  return oneOffJob(app, PROCESSOR_SEND_JOB_ID, runProcessorSendJob);
}
