/**
 * How often each masking rule fired, per room and per UTC day: counts only, never the masked
 * text. One record per room and day. App persistence has no atomic increment, so two messages of
 * the same room masked at the same instant on two servers may count once: these are figures for
 * admins, not an audit trail. Kept for COUNT_RETENTION_DAYS, pruned by the sweeper.
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

/** Forgets the counts of days before the retention window; returns how many day records went. */
export async function pruneMaskingCounts(
  reader: IPersistenceRead,
  persis: IPersistence,
  now: Date = new Date(),
): Promise<number> {
  const oldest = utcDay(new Date(now.getTime() - COUNT_RETENTION_DAYS * 86400000));
  const days = Array.from(new Set((await readMaskingCounts(reader)).map((c) => c.day))).filter((d) => d < oldest);
  for (const day of days) {
    await persis.removeByAssociation(dayKey(day));
  }
  return days.length;
}
