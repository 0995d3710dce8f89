import { GENESIS_HASH, chainHash, type AuditEntry } from '../storage/audit-chain';

/** The audit trail's entries, as storage keeps them. */
export type { AuditEntry, AuditEvent } from '../storage/audit-chain';

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
