import type { KeyObject } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { checkpointMessage, verifyTrail, type AuditCheckpoint, type TrailReport } from '../audit/checkpoint';
import type { AuditEntry } from '../audit/chain';
import { auditEvent } from '../audit/events';
import { mergeLines, type ExportCursor, type ExportLine } from '../audit/export';
import type { AuditSigner } from '../crypto/audit-signing';
import { GENESIS_HASH, chainHash } from '../storage/audit-chain';
import type { Storage } from '../storage/types';
import { pauseBetweenSteps } from './background-steps';
import type { Clock } from './clock';

/** Entries (and checkpoints) read at a time: about 2 ms of hashing, so a page between two requests is no pause. */
export const AUDIT_PAGE = 250;
/**
 * Entries an audit prune removes per step, each step behind its own signed prune checkpoint: one
 * DELETE of 10,000 entries held SQLite's request thread for 13–22 ms, and lowering the retention
 * of a busy vault's trail would remove millions at once.
 */
export const AUDIT_PRUNE_STEP = 5000;
/** Lines per export batch when the caller names no limit. */
const EXPORT_BATCH = 1000;

/**
 * Signs checkpoints of the audit chain (stored apart from the rows, and written to the log so a
 * copy lives outside the vault's database), verifies the trail against them with a public key,
 * and prunes entries older than a signed checkpoint (audit retention) without breaking that.
 */
export class AuditTrailService {
  constructor(
    private readonly storage: Storage,
    private readonly signer: AuditSigner,
    private readonly clock: Clock,
    /** Where every new checkpoint is written as a log line: the anchor an assessor keeps. */
    private readonly announce: (checkpoint: AuditCheckpoint) => void,
    private readonly pruneStep = AUDIT_PRUNE_STEP,
  ) {}

  get publicKey(): { keyId: string; pem: string } {
    return { keyId: this.signer.keyId, pem: this.signer.publicKeyPem };
  }

  /**
   * Signs the current head, after checking the entries since the last checkpoint still chain to
   * it (so a tampered tail is never signed). Undefined when the trail is empty or already signed.
   */
  async checkpoint(): Promise<AuditCheckpoint | undefined> {
    const head = await this.storage.auditHead();
    const latest = await this.storage.latestCheckpoint();
    if (!head || (latest && latest.seq >= head.seq)) return undefined;
    let previous: { seq: number; hash: string } | undefined = latest;
    for await (const entry of this.entries(latest?.seq ?? 0)) {
      if (entry.seq > head.seq) break;
      const linked =
        entry.seq === (previous?.seq ?? 0) + 1 &&
        entry.prevHash === (previous?.hash ?? GENESIS_HASH) &&
        entry.hash === chainHash(entry.prevHash, entry.seq, entry);
      if (!linked) throw new Error(`The audit chain is broken at entry ${entry.seq}; not signing it.`);
      previous = entry;
    }
    if (!previous || previous.seq !== head.seq) return undefined;
    return this.sign('head', previous.seq, previous.hash);
  }

  /** Verifies the whole trail and its checkpoints (plus `anchors` kept elsewhere) with `publicKey`. */
  async verify(options: { publicKey?: KeyObject; anchors?: AuditCheckpoint[] } = {}): Promise<TrailReport> {
    const stored = new Map<string, AuditCheckpoint>();
    for (let after = -1; ;) {
      const page = await this.storage.readCheckpoints(after, AUDIT_PAGE);
      for (const checkpoint of page) stored.set(`${checkpoint.kind}:${checkpoint.seq}`, checkpoint);
      if (page.length < AUDIT_PAGE) break;
      // A head and a prune checkpoint can share a seq, and a page can end between them: the next
      // page starts at that seq again (the map keeps each checkpoint once).
      after = page[page.length - 1].seq - 1;
    }
    const checkpoints = [...stored.values(), ...(options.anchors ?? [])].sort((a, b) => a.seq - b.seq);
    return verifyTrail(this.entries(), checkpoints, options.publicKey ?? this.signer.publicKey);
  }

  /**
   * Audit retention: removes entries written before `before`. The trail is verified first; then,
   * oldest first and `pruneStep` entries at a time, a `prune` checkpoint is signed for the last
   * entry a step removes, so the first entry left still checks after every step. An aborted
   * `signal` (the vault is stopping) ends it between steps; `throughSeq` is the last entry removed.
   */
  async prune(before: number, actor = 'cli', signal?: AbortSignal): Promise<{ pruned: number; throughSeq?: number }> {
    const target = await this.storage.lastAuditSeqBefore(before);
    if (target === undefined) return { pruned: 0 };
    const report = await this.verify();
    if (!report.ok) throw new Error(`The audit trail does not verify (${report.reason}); nothing was pruned.`);
    let pruned = 0;
    let throughSeq: number | undefined;
    for (;;) {
      const [oldest] = await this.storage.readAudit(0, 1);
      if (!oldest || oldest.seq > target) break;
      const last = Math.min(target, oldest.seq + this.pruneStep - 1);
      const [entry] = await this.storage.readAudit(last - 1, 1);
      if (!entry || entry.seq !== last) break;
      await this.sign('prune', entry.seq, entry.hash);
      pruned += await this.storage.pruneAudit(
        entry.seq,
        auditEvent('audit.prune', { at: this.clock(), actor, detail: { throughSeq: entry.seq, before } }),
      );
      throughSeq = entry.seq;
      if (entry.seq === target) break;
      await pauseBetweenSteps();
      if (signal?.aborted) break;
    }
    return { pruned, ...(throughSeq === undefined ? {} : { throughSeq }) };
  }

  /**
   * The next lines of the audit export after `cursor` (at most `limit` entries, with the
   * checkpoints that pin them), and the cursor after them. No lines: the export is up to date.
   */
  async exportBatch(
    cursor: ExportCursor,
    limit = EXPORT_BATCH,
  ): Promise<{ lines: ExportLine[]; cursor: ExportCursor }> {
    const entries = await this.storage.readAudit(cursor.entrySeq, limit);
    const throughSeq = entries.length > 0 ? entries[entries.length - 1].seq : cursor.entrySeq;
    const pinning = (await this.storage.readCheckpoints(cursor.checkpointSeq, limit)).filter(
      (c) => c.seq <= throughSeq,
    );
    const checkpoints = [...pinning];
    // A prune checkpoint pins an older entry than the head ones: fetch it by its audit.prune entry.
    for (const entry of entries) {
      if (entry.action !== 'audit.prune' || !entry.detail) continue;
      const { throughSeq: pruned } = JSON.parse(entry.detail) as { throughSeq?: number };
      if (typeof pruned !== 'number') continue;
      const found = await this.storage.readCheckpoints(pruned - 1, 4);
      checkpoints.push(...found.filter((c) => c.kind === 'prune' && c.seq === pruned));
    }
    const lines = mergeLines(entries, checkpoints);
    const checkpointSeq = Math.max(cursor.checkpointSeq, ...pinning.map((c) => c.seq));
    return { lines, cursor: { entrySeq: throughSeq, checkpointSeq } };
  }

  /** Records that someone took an export (who, from where, how many lines): exports are audited too. */
  async recordExport(actor: string, detail: Record<string, unknown>): Promise<void> {
    await this.storage.appendAudit(auditEvent('audit.export', { at: this.clock(), actor, detail }));
  }

  /** Where an export from `since` (epoch ms) starts: after the last entry written before it. */
  async exportStart(since: number): Promise<ExportCursor> {
    const entrySeq = (await this.storage.lastAuditSeqBefore(since)) ?? 0;
    // The checkpoint pinning the entry just before the first exported one checks its link.
    return { entrySeq, checkpointSeq: entrySeq - 1 };
  }

  /** A cursor at the trail's head: a sink that starts here ships only what comes next. */
  async exportHead(): Promise<ExportCursor> {
    const head = await this.storage.auditHead();
    const latest = await this.storage.latestCheckpoint();
    return { entrySeq: head?.seq ?? 0, checkpointSeq: latest?.seq ?? -1 };
  }

  private async sign(kind: AuditCheckpoint['kind'], seq: number, hash: string): Promise<AuditCheckpoint> {
    const unsigned = { kind, seq, hash, at: this.clock() };
    const checkpoint: AuditCheckpoint = {
      ...unsigned,
      keyId: this.signer.keyId,
      signature: this.signer.sign(checkpointMessage(unsigned)),
    };
    // Another instance may have signed the same entry a moment ago; either checkpoint serves.
    await this.storage.appendCheckpoint(checkpoint);
    this.announce(checkpoint);
    return checkpoint;
  }

  /**
   * The entries after `after`, a page at a time, with a turn of the event loop between pages: the
   * minute's checkpoint on a busy vault walks tens of thousands of entries, and the retention
   * purge the whole trail; done in one go, that held every request for hundreds of milliseconds.
   */
  private async *entries(after = 0): AsyncIterable<AuditEntry> {
    for (;;) {
      const page = await this.storage.readAudit(after, AUDIT_PAGE);
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1].seq;
      await nextTurn();
    }
  }
}
