/**
 * Sending one ID&V question or secure form: ask the vault for a request, then post the visitor's
 * message with its link button, then keep the app's record. The vault is asked first, so a vault
 * that is down, slow or refusing leaves nothing in the room; the agent is told privately why.
 */
import { notifyPrivately } from '../platform/notify';
import type { Deps } from '../platform/deps';
import { saveRequestRecord } from '../persistence/request-records';
import { postInUsersName } from '../platform/own-posts';
import { codeAsked } from '../redaction/across-messages';
import { translatorFor } from '../i18n/i18n';
import { visitorSeesBlocks } from '../platform/room-source';
import { visitorLinkBlocks, visitorMessageText } from '../ui/visitor-message';
import type { CatalogRelay } from '../forms/catalog-types';
import type { FormSpec, IdvSpec, RequestKind } from '../vault/contract';
import { isVaultCallError, loggableError, vaultCallErrorMessageKey } from '../vault/vault-call-error';
import type { SendContext } from './send-context';
import { callbackUrlFor, vaultClient } from './send-context';

export interface OutgoingRequest {
  kind: RequestKind;
  /** Form title or ID&V secret name, in the visitor's language. */
  title: string;
  visitorLocale: string;
  idv?: IdvSpec;
  form?: FormSpec;
  /** The catalog's relay binding of a form whose card data goes to a payment processor. */
  relay?: CatalogRelay;
  /** The sentence the visitor reads in the chat. */
  visitorText: string;
  buttonText: string;
}

/** True when the visitor's message was posted; false after telling the agent why not. */
export async function sendSecureRequest(deps: Deps, sending: SendContext, outgoing: OutgoingRequest): Promise<boolean> {
  const { room, agent, config, t } = sending;
  const logger = deps.app.getLogger();
  let created;
  try {
    created = await vaultClient(deps, config).createRequest({
      kind: outgoing.kind,
      roomId: room.id,
      agentId: agent.id,
      visitorToken: room.visitor && room.visitor.token,
      locale: outgoing.visitorLocale,
      callbackUrl: await callbackUrlFor(deps, config),
      ...(outgoing.idv ? { idv: outgoing.idv } : {}),
      ...(outgoing.form ? { form: outgoing.form } : {}),
    });
  } catch (err) {
    logger.warn({
      msg: 'The vault did not create the request; nothing was posted',
      kind: outgoing.kind,
      roomId: room.id,
      error: loggableError(err),
    });
    // A relay-bound form the vault refuses: its relay is not there, or the form lacks what it reads.
    const relayRefused = Boolean(outgoing.relay) && isVaultCallError(err) && err.status === 400;
    const why = relayRefused ? 'error_relay_refused' : vaultCallErrorMessageKey(err);
    await notifyPrivately(deps, agent, room, `${t(why)} ${t('error_nothing_sent')}`);
    return false;
  }

  try {
    const message = deps.modify
      .getCreator()
      .startMessage()
      .setRoom(room)
      .setSender(agent)
      .setText(
        visitorMessageText(
          outgoing.visitorText,
          created.visitorUrl,
          visitorSeesBlocks(room),
          translatorFor(outgoing.visitorLocale),
        ),
      )
      // Link previews fetch URLs in the text; the visitor link is for the visitor's browser only.
      .setParseUrls(false)
      .setBlocks(visitorLinkBlocks(deps.app.getID(), created.requestId, outgoing.buttonText, created.visitorUrl));
    await postInUsersName(deps.modify, message, created.visitorUrl);
  } catch (err) {
    logger.error({
      msg: 'The visitor message could not be posted; the vault request will expire unused',
      requestId: created.requestId,
      roomId: room.id,
    });
    await notifyPrivately(deps, agent, room, t('error_message_not_posted'));
    return false;
  }

  const now = Date.now();
  if (outgoing.form && outgoing.form.fields.some((field) => field.type === 'cvv')) {
    // A visitor who types the code into the chat instead has it masked (across-messages.ts).
    codeAsked.set(room.id, true, now);
  }
  await saveRequestRecord(deps.persis, {
    requestId: created.requestId,
    kind: outgoing.kind,
    roomId: room.id,
    agentId: agent.id,
    agentUsername: agent.username,
    title: outgoing.title,
    ...(outgoing.idv ? { positions: outgoing.idv.positions } : {}),
    ...(outgoing.relay
      ? {
          relay: {
            relayId: outgoing.relay.id,
            params: outgoing.relay.params || {},
            ask: outgoing.relay.ask || [],
            sendOnSubmit: outgoing.relay.sendOnSubmit === true,
          },
        }
      : {}),
    state: 'sent',
    createdAt: now,
    updatedAt: now,
  });
  logger.info({ msg: 'Secure request sent', kind: outgoing.kind, requestId: created.requestId, roomId: room.id });
  return true;
}
