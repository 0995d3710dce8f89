/**
 * The app's own record of each request it sent: enough to route the vault's doorbell, list the
 * room's requests and check who may view them. References and states only: never a value, never
 * an OTK, never the visitor link.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';

import type { RelayOutcomeName, RequestKind } from '../vault/contract';
import { miscKey, roomKey } from './associations';

/** The states the agent sees. `answered` is a submitted ID&V; `viewed` a form the sender has viewed. */
export type RecordState = 'sent' | 'opened' | 'submitted' | 'answered' | 'cancelled' | 'expired' | 'viewed' | 'closed';

/** A text in one language, or one per locale (the catalog's texts, as the admin wrote them). */
type Texts = string | { [locale: string]: string };

/** A form whose card data goes to a payment processor: its relay, parameters and last outcome. */
export interface RecordRelay {
  relayId: string;
  /** Fixed by the admin's catalog. */
  params: { [name: string]: string };
  /** Typed by the agent on *Send to processor*: the catalog's `ask`. */
  ask: Array<{ name: string; label?: Texts; hint?: Texts }>;
  sendOnSubmit: boolean;
  /** The last send's outcome as the vault answered it, the card's last 4 and a decline code: never a value. */
  outcome?: RelayOutcomeName;
  last4?: string;
  declineCode?: string;
  /**
   * The parameters of a send whose outcome is not known yet (asked, timed out, or `unknown`): a
   * retry must send exactly these, so the processor replays the first attempt instead of charging.
   */
  pendingParams?: { [name: string]: string };
}

export interface SecureRequestRecord {
  requestId: string;
  kind: RequestKind;
  roomId: string;
  agentId: string;
  agentUsername: string;
  /** Form title or ID&V secret name, in the language the visitor was asked in. */
  title: string;
  /** ID&V only: the two positions asked for. */
  positions?: number[];
  /** Relay-bound forms only: nobody views them, the vault sends them on. */
  relay?: RecordRelay;
  state: RecordState;
  createdAt: number;
  updatedAt: number;
  viewedAt?: number;
}

const TAG = miscKey('secure-request');
const key = (requestId: string) => miscKey(`request:${requestId}`);

export async function saveRequestRecord(persis: IPersistence, record: SecureRequestRecord): Promise<void> {
  await persis.updateByAssociations([key(record.requestId), TAG, roomKey(record.roomId)], record, true);
}

export async function findRequestRecord(
  reader: IPersistenceRead,
  requestId: string,
): Promise<SecureRequestRecord | undefined> {
  const [found] = (await reader.readByAssociation(key(requestId))) as SecureRequestRecord[];
  return found;
}

/** The room's requests, oldest first. */
export async function listRoomRequests(reader: IPersistenceRead, roomId: string): Promise<SecureRequestRecord[]> {
  const all = (await reader.readByAssociations([TAG, roomKey(roomId)])) as SecureRequestRecord[];
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export async function updateRequestRecord(
  persis: IPersistence,
  record: SecureRequestRecord,
  changes: Partial<SecureRequestRecord>,
): Promise<SecureRequestRecord> {
  const updated = { ...record, ...changes, updatedAt: Date.now() };
  await saveRequestRecord(persis, updated);
  return updated;
}

/**
 * Updates a record only if it still exists: a room's close may remove it while a doorbell is being
 * handled, and writing it back then would leave a closed room's record behind. Undefined when gone.
 */
export async function updateExistingRequestRecord(
  persis: IPersistence,
  reader: IPersistenceRead,
  record: SecureRequestRecord,
  changes: Partial<SecureRequestRecord>,
): Promise<SecureRequestRecord | undefined> {
  const updated = { ...record, ...changes, updatedAt: Date.now() };
  // Where no record matches, Rocket.Chat writes nothing and says nothing: the read after tells.
  await persis.updateByAssociations([key(record.requestId), TAG, roomKey(record.roomId)], updated, false);
  return (await findRequestRecord(reader, record.requestId)) ? updated : undefined;
}

/** Every request the app holds, across rooms (the sweeper's view). */
export async function listAllRequests(reader: IPersistenceRead): Promise<SecureRequestRecord[]> {
  return (await reader.readByAssociation(TAG)) as SecureRequestRecord[];
}

export async function removeRoomRequests(persis: IPersistence, roomId: string): Promise<void> {
  await persis.removeByAssociations([TAG, roomKey(roomId)]);
}
