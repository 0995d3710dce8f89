import type { KeyObject } from 'node:crypto';
import { keyIdOf, verifySignature } from '../crypto/audit-signing';
import { GENESIS_HASH, chainHash, type AuditCheckpoint, type AuditEntry } from '../storage/audit-chain';

export type { AuditCheckpoint } from '../storage/audit-chain';

/**
 * What a checkpoint's signature covers: its kind, the entry's seq and hash (the hash chains back
 * over every entry before it, so it pins all of them and their count) and when it was made.
 */
export function checkpointMessage(checkpoint: Omit<AuditCheckpoint, 'keyId' | 'signature'>): string {
  return ['idv-vault audit checkpoint v1', checkpoint.kind, checkpoint.seq, checkpoint.hash, checkpoint.at].join('\n');
}

/** The checkpoint as one JSON line: what the log carries and `audit verify --anchor` takes back. */
export function anchorText(checkpoint: AuditCheckpoint): string {
  return JSON.stringify(checkpoint);
}

/** A checkpoint read back from its JSON line (from the log, a SIEM, a file); throws when malformed. */
export function parseAnchor(text: string): AuditCheckpoint {
  const value = JSON.parse(text) as Partial<AuditCheckpoint> & { auditCheckpoint?: unknown };
  const checkpoint = (value.auditCheckpoint ?? value) as Partial<AuditCheckpoint>;
  if (
    (checkpoint.kind !== 'head' && checkpoint.kind !== 'prune') ||
    !Number.isSafeInteger(checkpoint.seq) ||
    typeof checkpoint.hash !== 'string' ||
    !Number.isSafeInteger(checkpoint.at) ||
    typeof checkpoint.keyId !== 'string' ||
    typeof checkpoint.signature !== 'string'
  ) {
    throw new Error('An anchor is a checkpoint JSON line: {"kind","seq","hash","at","keyId","signature"}.');
  }
  return checkpoint as AuditCheckpoint;
}

export interface TrailReport {
  ok: boolean;
  /** Entries checked. */
  count: number;
  firstSeq?: number;
  lastSeq?: number;
  /** Checkpoints (stored and given as anchors) whose signature was checked. */
  checkpoints: number;
  /** The highest entry a valid checkpoint pins; entries after it are linked but not yet signed. */
  signedThrough: number;
  keyId: string;
  /** The first entry (or checkpoint seq) where the trail fails, when it does. */
  brokenAt?: number;
  reason?: string;
  /** The key a failing checkpoint names, when it is not the one checked with: forged, or a wrong key. */
  otherKeyId?: string;
}

/**
 * Checks the audit trail against signed checkpoints with the public key alone:
 * - every checkpoint's signature (a checkpoint made with another key is a failure);
 * - the hash chain from the first entry left (the genesis, or a signed `prune` checkpoint right
 *   before it when retention removed older entries) to the last;
 * - each checkpoint's hash against the entry it names: a rewritten and re-chained entry changes
 *   every hash after it, so the next checkpoint no longer matches;
 * - no checkpoint names an entry past the last one: entries deleted from the end (truncation).
 * `checkpoints` must come in seq order (stored ones and anchors merged).
 */
export async function verifyTrail(
  entries: AsyncIterable<AuditEntry>,
  checkpoints: AuditCheckpoint[],
  publicKey: KeyObject,
): Promise<TrailReport> {
  const keyId = keyIdOf(publicKey);
  const report: TrailReport = { ok: true, count: 0, checkpoints: checkpoints.length, signedThrough: 0, keyId };
  const fail = (brokenAt: number, reason: string): TrailReport => ({ ...report, ok: false, brokenAt, reason });

  for (const checkpoint of checkpoints) {
    if (checkpoint.keyId !== keyId)
      return {
        ...fail(
          checkpoint.seq,
          // Quoted and escaped: read from the database or an anchor file, it may hold anything.
          `the ${checkpoint.kind} checkpoint at entry ${checkpoint.seq} names key ${JSON.stringify(checkpoint.keyId)}, not this one`,
        ),
        otherKeyId: checkpoint.keyId,
      };
    if (!verifySignature(publicKey, checkpointMessage(checkpoint), checkpoint.signature))
      return fail(
        checkpoint.seq,
        `the ${checkpoint.kind} checkpoint at entry ${checkpoint.seq} is not signed by this key`,
      );
  }
  const pinned = new Map<number, string[]>();
  for (const checkpoint of checkpoints)
    pinned.set(checkpoint.seq, [...(pinned.get(checkpoint.seq) ?? []), checkpoint.hash]);

  let previous: { seq: number; hash: string } | undefined;
  for await (const entry of entries) {
    if (!previous) {
      report.firstSeq = entry.seq;
      if (entry.seq !== 1) {
        // Retention removed entries 1..seq-1: a signed prune checkpoint must vouch for the cut.
        const cut = checkpoints.find((c) => c.kind === 'prune' && c.seq === entry.seq - 1 && c.hash === entry.prevHash);
        if (!cut)
          return fail(entry.seq, `entries before ${entry.seq} are missing and no signed prune checkpoint covers them`);
      } else if (entry.prevHash !== GENESIS_HASH) {
        return fail(entry.seq, 'link to the previous entry does not match');
      }
    } else {
      const expectedSeq = previous.seq + 1;
      if (entry.seq !== expectedSeq) return fail(entry.seq, `expected entry ${expectedSeq}, found ${entry.seq}`);
      if (entry.prevHash !== previous.hash) return fail(entry.seq, 'link to the previous entry does not match');
    }
    if (entry.hash !== chainHash(entry.prevHash, entry.seq, entry)) return fail(entry.seq, 'entry was altered');
    for (const hash of pinned.get(entry.seq) ?? []) {
      if (hash !== entry.hash)
        return fail(
          entry.seq,
          `entry ${entry.seq} does not match its signed checkpoint: it or an earlier one was rewritten`,
        );
    }
    if (pinned.has(entry.seq)) report.signedThrough = entry.seq;
    previous = entry;
    report.count += 1;
    report.lastSeq = entry.seq;
  }
  const lastSeq = previous?.seq ?? 0;
  const beyond = checkpoints.filter((c) => c.seq > lastSeq && !(c.kind === 'prune' && c.seq === lastSeq));
  if (beyond.length > 0) {
    const furthest = beyond[beyond.length - 1].seq;
    return fail(
      lastSeq + 1,
      `entries ${lastSeq + 1} to ${furthest} are missing: a signed checkpoint names entry ${furthest}`,
    );
  }
  return report;
}
