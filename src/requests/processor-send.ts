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
import { localizeText } from '../forms/catalog';
import type { RecordRelay, SecureRequestRecord } from '../persistence/request-records';
import { findRequestRecord, updateExistingRequestRecord } from '../persistence/request-records';
import { hasAnswer } from '../persistence/record-states';
import type { ViewContext } from '../persistence/view-contexts';
import { oneOffJobs, scheduleOneOff } from '../platform/jobs';
import type { AppRef, Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { readAppConfig } from '../settings/settings';
import { readViewValue } from '../ui/blocks';
import {
  buildProcessorModal,
  DECLINE_CODE,
  isFinalOutcome,
  processorOutcomeHint,
  processorOutcomeText,
  processorParamAction,
} from '../ui/processor-send';
import { processorButtonBlocks } from '../ui/request-actions';
import { isRelayParamValue } from '../vault/contract';
import { isVaultCallError, loggableError, outcomeUnknown, vaultCallErrorMessageKey } from '../vault/vault-call-error';
import type { ProcessorOutcome } from '../vault/vault-client';
import type { SubmitOutcome } from './dialogs';
import { openDialog } from './dialogs';
import { requestClick } from './request-click';
import { currentRoom, vaultClient } from './send-context';

export const PROCESSOR_SEND_JOB_ID = 'processor-send';

interface ProcessorSendJobData {
  requestId: string;
  roomId: string;
  /** The sender: the vault sends for them only. */
  agentId: string;
  params: { [name: string]: string };
  /** Who is told the outcome, when not the sender. */
  tellUserId?: string;
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

/** The outcome, privately, with *Send to processor* again when something is left to do. */
async function tellOutcome(deps: Deps, t: Translator, user: IUser, room: IRoom, record: Relayed): Promise<void> {
  const hint = processorOutcomeHint(t, record.relay.outcome);
  const text = t('notify_processor_outcome', { title: record.title, outcome: processorOutcomeText(t, record.relay) });
  await notifyPrivately(
    deps,
    user,
    room,
    hint ? `${text}\n${hint}` : text,
    isFinalOutcome(record.relay.outcome) ? undefined : processorButtonBlocks(deps.app.getID(), t, record),
  );
}

/**
 * Schedules the send. `params` are the asked ones (the fixed ones are added); `tellUserId` is who
 * hears the outcome when not the sender (the agent serving the chat after a transfer).
 */
export async function scheduleProcessorSend(
  deps: Deps,
  record: Relayed,
  params: { [name: string]: string } = {},
  tellUserId?: string,
): Promise<void> {
  const data: ProcessorSendJobData = {
    requestId: record.requestId,
    roomId: record.roomId,
    agentId: record.agentId,
    params: { ...record.relay.params, ...params },
    ...(tellUserId ? { tellUserId } : {}),
  };
  await scheduleOneOff(deps, PROCESSOR_SEND_JOB_ID, record.roomId, data);
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
  const { relay } = relayed;
  if (isFinalOutcome(relay.outcome)) {
    await tellOutcome(deps, t, user, room, relayed); // sent already: the vault would only answer the same
    return;
  }
  // After a send whose outcome is unknown, only the very same request may go again (it reconciles).
  if (relay.pendingParams || relay.ask.length === 0) {
    await notifyPrivately(deps, user, room, t('notify_processor_sending_click', { title: record.title }));
    await scheduleProcessorSend(deps, relayed, relay.pendingParams);
    return;
  }
  const locale = await localeForUser(deps.read, user);
  const inputs = relay.ask.map((asked) => ({
    label: asked.label ? localizeText(asked.label, locale) : asked.name,
    hint: asked.hint ? localizeText(asked.hint, locale) : t('processor_param_hint'),
  }));
  await openDialog(
    deps,
    { config: await readAppConfig(deps.read), room: room as ILivechatRoom, agent: user, t },
    'processor',
    triggerId,
    (viewId) => buildProcessorModal(deps.app.getID(), viewId, t, record.title, inputs),
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
    // Said in the dialog: a private notice to an agent no longer in the room would reach nobody.
    return { errors: { [processorParamAction(0)]: t(refused || 'error_request_unknown') } };
  }
  const state = (view as IUIKitSurface & { state?: object }).state;
  const asked: { [name: string]: string } = {};
  const errors: { [actionId: string]: string } = {};
  record.relay.ask.forEach(({ name }, i) => {
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

/** What the vault answered, as the record keeps it: the parameters stay while the outcome is unknown. */
function relayAfter(relay: RecordRelay, params: { [name: string]: string }, result: ProcessorOutcome): RecordRelay {
  const declineCode = result.kept.decline_code || result.kept.error_code;
  const { pendingParams: _sent, last4: _last4, declineCode: _code, ...rest } = relay;
  return {
    ...rest,
    outcome: result.outcome,
    ...(result.outcome === 'unknown' ? { pendingParams: params } : {}),
    ...(result.last4 ? { last4: result.last4 } : {}),
    ...(typeof declineCode === 'string' && DECLINE_CODE.test(declineCode) ? { declineCode } : {}),
  };
}

/** The job: every check again (the chat may have closed), then the vault sends and the agent is told. */
export async function runProcessorSendJob(deps: Deps, job: IJobContext): Promise<void> {
  const { requestId, roomId, agentId, params, tellUserId } = job as unknown as ProcessorSendJobData;
  const logger = deps.app.getLogger();
  const users = deps.read.getUserReader();
  const agent = await users.getById(agentId);
  const teller = tellUserId ? await users.getById(tellUserId) : agent;
  const record = await findRequestRecord(deps.read.getPersistenceReader(), requestId);
  const room = await currentRoom(deps, roomId);
  if (!agent || !teller || !room) {
    return;
  }
  const t = translatorFor(await localeForUser(deps.read, teller));
  const refused = refusal(record, agent, room);
  if (refused || !record || !record.relay || record.roomId !== roomId) {
    await notifyPrivately(deps, teller, room, t(refused || 'error_request_unknown'));
    return;
  }
  const reader = deps.read.getPersistenceReader();
  // Kept before asking: if this job is cut short, the next click resends these, never others.
  const sending = await updateExistingRequestRecord(deps.persis, reader, record, {
    relay: { ...record.relay, pendingParams: params },
  });
  let result: ProcessorOutcome;
  try {
    result = await vaultClient(deps, await readAppConfig(deps.read)).sendToProcessor(requestId, { agentId, params });
  } catch (err) {
    logger.warn({ msg: 'Send to processor refused or failed', requestId, error: loggableError(err) });
    // No answer, a broken connection or a failure midway: the processor may have charged.
    if (outcomeUnknown(err)) {
      result = { requestId, relayId: record.relay.relayId, outcome: 'unknown', kept: {} };
    } else {
      // Refused before anything was sent: the parameters kept for a retry go back to what they were.
      if (sending) {
        await updateExistingRequestRecord(deps.persis, reader, sending, { relay: record.relay });
      }
      // `conflict`: the relay is gone or its template cannot be filled: only the vault's admin can fix it.
      const key =
        isVaultCallError(err) && err.vaultCode === 'conflict'
          ? 'error_processor_conflict'
          : vaultCallErrorMessageKey(err);
      await notifyPrivately(deps, teller, room, t(key));
      return;
    }
  }
  const relay = relayAfter(record.relay, params, result);
  logger.info({ msg: 'Sent to processor', requestId, outcome: result.outcome });
  if (sending) {
    await updateExistingRequestRecord(deps.persis, reader, sending, { relay });
  }
  // Told even when the chat closed meanwhile: a charge must never go unreported.
  await tellOutcome(deps, t, teller, room, { ...record, relay });
}

export function processorSendJobProcessors(app: AppRef): IProcessor[] {
  return oneOffJobs(app, PROCESSOR_SEND_JOB_ID, runProcessorSendJob);
}
