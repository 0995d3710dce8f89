/**
 * What the scheduled readiness check remembers between runs: the last verdicts (to notify only on
 * change) and the administrators who asked for the check, with the room they asked in (a private
 * notice needs one). No value, no setting value: line ids and verdicts, user and room IDs.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';

import { miscKey } from './associations';

export interface ReadinessSubscriber {
  userId: string;
  roomId: string;
}

export interface ReadinessState {
  fingerprint?: string;
  subscribers: ReadinessSubscriber[];
}

const TAG = miscKey('readiness');

export async function readReadinessState(reader: IPersistenceRead): Promise<ReadinessState> {
  const [found] = (await reader.readByAssociation(TAG)) as ReadinessState[];
  return found ? { fingerprint: found.fingerprint, subscribers: found.subscribers || [] } : { subscribers: [] };
}

export async function saveReadinessState(persis: IPersistence, state: ReadinessState): Promise<void> {
  await persis.updateByAssociation(TAG, state, true);
}
