/**
 * How often each masking rule fired, per room and per UTC day: counts only, never the masked
 * text. One record per room and day. App persistence has no atomic increment, so two messages of
 * the same room masked at the same instant on two servers may count once: these are figures for
 * admins, not an audit trail. Kept for COUNT_RETENTION_DAYS, then pruned by the sweeper.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';

import { miscKey } from './associations';

export const COUNT_RETENTION_DAYS = 90;

export interface MaskingCount {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  roomId: string;
  /** Finds per rule id. */
  counts: { [ruleId: string]: number };
}

const TAG = miscKey('masking-count');
const dayKey = (day: string) => miscKey(`masking-count-day:${day}`);
const roomDayKey = (day: string, roomId: string) => miscKey(`masking-count:${day}:${roomId}`);

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Adds a message's finds to its room's count of the day. */
export async function addMaskingCounts(
  reader: IPersistenceRead,
  persis: IPersistence,
  roomId: string,
  hits: { [ruleId: string]: number },
  at: Date = new Date(),
): Promise<void> {
  const day = utcDay(at);
  const keys = [TAG, dayKey(day), roomDayKey(day, roomId)];
  const [found] = (await reader.readByAssociations(keys)) as MaskingCount[];
  const counts = { ...(found ? found.counts : {}) };
  for (const ruleId of Object.keys(hits)) {
    counts[ruleId] = (counts[ruleId] || 0) + hits[ruleId];
  }
  const record: MaskingCount = { day, roomId, counts };
  await persis.updateByAssociations(keys, record, true);
}

/** Every count kept, oldest day first. */
export async function readMaskingCounts(reader: IPersistenceRead): Promise<MaskingCount[]> {
  const all = (await reader.readByAssociation(TAG)) as MaskingCount[];
  return all.slice().sort((a, b) => (a.day === b.day ? a.roomId.localeCompare(b.roomId) : a.day < b.day ? -1 : 1));
}

/** Days past the retention window the sweeper clears each time: a sweep missed for up to this long is caught up. */
const PRUNE_WINDOW_DAYS = 14;

/**
 * Forgets the counts of the days just past the retention window, by their day key: no read, a
 * handful of removals per sweep however many rooms there were.
 */
export async function pruneMaskingCounts(persis: IPersistence, now: Date = new Date()): Promise<void> {
  for (let age = COUNT_RETENTION_DAYS + 1; age <= COUNT_RETENTION_DAYS + PRUNE_WINDOW_DAYS; age += 1) {
    await persis.removeByAssociation(dayKey(utcDay(new Date(now.getTime() - age * 86400000))));
  }
}
