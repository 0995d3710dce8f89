import { createHash } from 'node:crypto';

/** One row of the audit trail. Never a value, an OTK or a key: who, what, when, which request. */
export interface AuditEvent {
  at: number;
  siteId: string | null;
  /** `site:<id>`, `agent:<id>`, `visitor`, `cli`, `system`. */
  actor: string;
  /** e.g. `request.create`, `detokenize.refused`. */
  action: string;
  requestId: string | null;
  /** Small JSON with reasons and ids, never values. */
  detail: string | null;
}

export interface AuditEntry extends AuditEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** The hash that links an entry to the one before it. */
export function chainHash(prevHash: string, seq: number, event: AuditEvent): string {
  const canonical = JSON.stringify([
    seq,
    event.at,
    event.siteId,
    event.actor,
    event.action,
    event.requestId,
    event.detail,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** Links `event` after the entry `previous` (or the genesis when there is none). */
export function linkEntry(previous: { seq: number; hash: string } | undefined, event: AuditEvent): AuditEntry {
  const seq = (previous?.seq ?? 0) + 1;
  const prevHash = previous?.hash ?? GENESIS_HASH;
  return { ...event, seq, prevHash, hash: chainHash(prevHash, seq, event) };
}

export interface ChainReport {
  ok: boolean;
  count: number;
  /** The first entry that breaks the chain, when one does. */
  brokenAt?: number;
  reason?: string;
}

/** Walks entries in order and checks every link; `entries` may be any iterable, read in pages. */
export async function verifyChain(entries: AsyncIterable<AuditEntry>): Promise<ChainReport> {
  let previous: { seq: number; hash: string } | undefined;
  let count = 0;
  for await (const entry of entries) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (entry.seq !== expectedSeq)
      return { ok: false, count, brokenAt: entry.seq, reason: `expected entry ${expectedSeq}, found ${entry.seq}` };
    if (entry.prevHash !== (previous?.hash ?? GENESIS_HASH))
      return { ok: false, count, brokenAt: entry.seq, reason: 'link to the previous entry does not match' };
    if (entry.hash !== chainHash(entry.prevHash, entry.seq, entry))
      return { ok: false, count, brokenAt: entry.seq, reason: 'entry was altered' };
    previous = entry;
    count += 1;
  }
  return { ok: true, count };
}
