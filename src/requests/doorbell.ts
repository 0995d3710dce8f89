/**
 * The vault's doorbell: it says only "something happened to request X". The app trusts nothing
 * else in it: it looks the request up in its own records, re-reads the state from the vault with
 * its key, and acts on that state. A forged doorbell learns and changes nothing.
 */
import type { ILivechatRoom } from '@rocket.chat/apps-engine/definition/livechat';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Deps } from '../platform/deps';
import { localeForUser, localeForVisitor } from '../platform/locale';
import { notifyPrivately, postRoomRecord } from '../platform/notify';
import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import { noticeCharacter } from '../ui/answer-characters';
import { maskCharacters } from '../lib/masking';
import { ownValue } from '../../vault/src/contract/own-value';
import { PerKeyBudget } from '../lib/per-key-budget';
import type { SecureRequestRecord } from '../persistence/request-records';
import { stateFromVault } from '../persistence/record-states';
import { findRequestRecord, updateExistingRequestRecord } from '../persistence/request-records';
import type { AppConfig } from '../settings/settings';
import { readAppConfig } from '../settings/settings';
import { processorButtonBlocks, viewButtonBlocks } from '../ui/request-actions';
import type { RequestStateResponse } from '../vault/contract';
import { isVaultCallError, loggableError } from '../vault/vault-call-error';
import { forgetRoom } from './forget-room';
import { scheduleProcessorSend } from './processor-send';
import { currentRoom, vaultClient } from './send-context';

/** `retry`: the vault should ring again later (it could not be asked now). */
export type DoorbellOutcome = 'handled' | 'ignored' | 'retry';

interface Scene {
  deps: Deps;
  config: AppConfig;
  record: SecureRequestRecord;
  room: ILivechatRoom;
  agent: IUser;
  /** Speaks the agent's language. */
  t: Translator;
}

async function visitorTranslator(scene: Scene): Promise<Translator> {
  return translatorFor(await localeForVisitor(scene.deps.read, scene.config.visitorLanguage));
}

async function onIdvAnswered(scene: Scene, state: RequestStateResponse): Promise<void> {
  const { deps, record, agent, room, t } = scene;
  const positions = record.positions || (state.idv && state.idv.positions) || [];
  const vt = await visitorTranslator(scene);
  if (scene.config.idvAnswerDelivery === 'viewer') {
    // The characters stay in the vault: the agent reads them on its viewer page after Reveal.
    await notifyPrivately(
      deps,
      agent,
      room,
      t('notify_idv_answered_viewer', { title: record.title }),
      viewButtonBlocks(deps.app.getID(), t, record),
    );
    const [first, second] = maskCharacters([undefined, undefined]);
    await postRoomRecord(deps, room, vt('record_idv_answered', { first, second }));
    return;
  }
  let characters: Array<string | undefined> = [];
  try {
    const answer = await vaultClient(deps, scene.config).revealValues(record.requestId, record.agentId);
    characters = positions.map((p) => ownValue(answer.values, String(p)));
  } catch (err) {
    deps.app
      .getLogger()
      .warn({ msg: 'ID&V answer could not be fetched', requestId: record.requestId, error: loggableError(err) });
  }
  if (positions.length === 2 && characters.every((c) => typeof c === 'string' && c.length > 0)) {
    await notifyPrivately(
      deps,
      agent,
      room,
      t('notify_idv_answer', {
        first: noticeCharacter(characters[0] as string, t),
        second: noticeCharacter(characters[1] as string, t),
        firstPosition: positions[0],
        secondPosition: positions[1],
        secret: record.title,
      }),
      viewButtonBlocks(deps.app.getID(), t, record),
    );
  } else {
    await notifyPrivately(
      deps,
      agent,
      room,
      t('notify_answer_unavailable'),
      viewButtonBlocks(deps.app.getID(), t, record),
    );
  }
  const [first, second] = maskCharacters(positions.length === 2 ? characters : [undefined, undefined]);
  await postRoomRecord(deps, room, vt('record_idv_answered', { first, second }));
}

/**
 * The chat moved to another agent since the request was sent. The sender's subscription is gone,
 * so a notice to them would reach nobody, and the answer is theirs alone: the serving agent learns
 * that the visitor answered, never what; the room gets its masked record as usual.
 */
async function onSubmittedForAnotherAgent(scene: Scene): Promise<void> {
  const { deps, record, agent, room, t } = scene;
  const vt = await visitorTranslator(scene);
  const [first, second] = maskCharacters([undefined, undefined]);
  await postRoomRecord(
    deps,
    room,
    record.kind === 'idv'
      ? vt('record_idv_answered', { first, second })
      : vt('record_form_submitted', { title: record.title }),
  );
  await notifyPrivately(
    deps,
    agent,
    room,
    t('notify_answered_for_other', { title: record.title, agent: record.agentUsername }),
  );
  // The admin asked for it to go at once: it goes for its sender, and the serving agent hears how it went.
  await sendOnSubmit(scene, agent.id);
}

/** A form the admin set to go to its processor at once: schedules the send; false for any other. */
async function sendOnSubmit(scene: Scene, tellUserId?: string): Promise<boolean> {
  const { deps, record, agent, room, t } = scene;
  const { relay } = record;
  if (!relay || !relay.sendOnSubmit) {
    return false;
  }
  await notifyPrivately(deps, agent, room, t('notify_processor_sending', { title: record.title }));
  await scheduleProcessorSend(deps, { ...record, relay }, {}, tellUserId);
  return true;
}

/** A relay-bound form is nobody's to view: the sender gets *Send to processor*, or it goes at once. */
async function onFormSubmitted(scene: Scene): Promise<void> {
  const { deps, record, agent, room, t } = scene;
  const vt = await visitorTranslator(scene);
  await postRoomRecord(deps, room, vt('record_form_submitted', { title: record.title }));
  const { relay } = record;
  if (await sendOnSubmit(scene)) {
    return;
  }
  await notifyPrivately(
    deps,
    agent,
    room,
    t(relay ? 'notify_form_submitted_relay' : 'notify_form_submitted', { title: record.title }),
    (relay ? processorButtonBlocks : viewButtonBlocks)(deps.app.getID(), t, record),
  );
}

/**
 * Vault checks per request: a few at once (a request's own events come one or two at a time), then
 * one a second. The doorbell is public and a request ID is no secret (the visitor's link button
 * holds it), so without a bound anyone could make the app spend the site's vault budget with it.
 */
const STATE_CHECKS = new PerKeyBudget(5, 1000);

export async function ringDoorbell(deps: Deps, requestId: string): Promise<DoorbellOutcome> {
  const logger = deps.app.getLogger();
  const record = await findRequestRecord(deps.read.getPersistenceReader(), requestId);
  if (!record) {
    return 'ignored';
  }
  if (!STATE_CHECKS.take(requestId)) {
    // Ring again later: the vault retries a refused ring (after 1 s, then 5 s, …), and whichever
    // check runs next reads the state as it is then, so no event is lost, only delayed.
    return 'retry';
  }
  const room = (await currentRoom(deps, record.roomId)) as ILivechatRoom | undefined;
  if (!room || room.isOpen !== true) {
    // A close or deletion the app never heard (Rocket.Chat unsets `open`): nothing reaches anyone.
    await forgetRoom(deps, record.roomId, !room);
    return 'handled';
  }
  const config = await readAppConfig(deps.read);
  let state: RequestStateResponse;
  try {
    state = await vaultClient(deps, config).getRequest(requestId);
  } catch (err) {
    logger.warn({ msg: 'Doorbell: the vault could not be asked for the state', requestId, error: loggableError(err) });
    return isVaultCallError(err) && err.code === 'not_found' ? 'ignored' : 'retry';
  }
  if (state.roomId !== record.roomId || state.agentId !== record.agentId) {
    logger.warn({ msg: 'Doorbell: the vault describes another room or agent; ignored', requestId });
    return 'ignored';
  }
  const next = stateFromVault(state.status, record);
  if (next === record.state || state.status === 'pending') {
    return 'handled';
  }
  // Several Rocket.Chat instances may hear this doorbell; the vault says which one acts on it.
  try {
    if (!(await vaultClient(deps, config).claimEvent(requestId, state.status))) {
      return 'handled';
    }
  } catch (err) {
    logger.warn({ msg: 'Doorbell: the event could not be claimed', requestId, error: loggableError(err) });
    return 'retry';
  }
  const updated = await updateExistingRequestRecord(deps.persis, deps.read.getPersistenceReader(), record, {
    state: next,
  });
  if (!updated) {
    return 'handled'; // the room closed meanwhile and its records are gone
  }
  const sender = await deps.read.getUserReader().getById(record.agentId);
  if (!sender) {
    return 'handled';
  }
  const forAnotherAgent = Boolean(room.servedBy && room.servedBy.id && room.servedBy.id !== sender.id);
  // Notices go to whoever serves the chat now; values only ever to the sender.
  const agent = forAnotherAgent
    ? (await deps.read.getUserReader().getById((room.servedBy as IUser).id)) || (room.servedBy as IUser)
    : sender;
  const scene: Scene = {
    deps,
    config,
    record: updated,
    room,
    agent,
    t: translatorFor(await localeForUser(deps.read, agent)),
  };
  switch (state.status) {
    case 'submitted':
      if (forAnotherAgent) {
        await onSubmittedForAnotherAgent(scene);
      } else {
        await (record.kind === 'idv' ? onIdvAnswered(scene, state) : onFormSubmitted(scene));
      }
      break;
    case 'cancelled':
      await notifyPrivately(
        deps,
        agent,
        room,
        scene.t(record.kind === 'idv' ? 'notify_idv_cancelled' : 'notify_form_cancelled', { title: record.title }),
      );
      break;
    case 'expired':
      await notifyPrivately(deps, agent, room, scene.t('notify_expired', { title: record.title }));
      break;
    default:
      break;
  }
  return 'handled';
}
