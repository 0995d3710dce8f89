import { auditEvent } from '../audit/events';
import type { PurgeCounts, Storage } from '../storage/types';
import type { AuditTrailService } from './audit-trail';
import { pauseBetweenSteps } from './background-steps';
import type { Clock } from './clock';

const DAY_MS = 86_400_000;

/**
 * Requests (with their records) deleted per write transaction. SQLite writes on the request thread:
 * one transaction for 10,000 held every request for 182–258 ms; steps of 100 take 3–9 ms, and with
 * the pause between them still purge over 3,000 requests a second.
 */
export const PURGE_BATCH = 100;

/** What one retention run removed: tokenized data and dead OTKs, and audit entries. */
export interface RetentionCounts extends PurgeCounts {
  auditEntries: number;
}

/**
 * Deletes tokenized data past its retention (13 months by default) and dead OTKs, then audit
 * entries past theirs (12 months by default, PCI DSS 10.5.1; 0 keeps them), each behind a signed
 * prune checkpoint so the trail left still verifies.
 */
export class RetentionService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly retentionDays: number,
    private readonly audit: Pick<AuditTrailService, 'prune'>,
    private readonly auditRetentionDays: number,
  ) {}

  /**
   * Applies both retention periods now. The data goes in steps of PURGE_BATCH, each with its own
   * audit entry, then the audit trail in the prune's steps; an aborted `signal` (the vault is
   * stopping) ends either between steps, and the next run goes on where it stopped.
   */
  async purge(actor = 'system', signal?: AbortSignal): Promise<RetentionCounts> {
    const now = this.clock();
    const total: PurgeCounts = { records: 0, requests: 0, otks: 0, closedRooms: 0 };
    for (;;) {
      const counts = await this.storage.purge(
        now - this.retentionDays * DAY_MS,
        now,
        PURGE_BATCH,
        auditEvent('retention.purge', { at: this.clock(), actor }),
      );
      for (const key of Object.keys(total) as (keyof PurgeCounts)[]) total[key] += counts[key];
      if (Math.max(counts.requests, counts.otks, counts.closedRooms) < PURGE_BATCH) break;
      await pauseBetweenSteps();
      if (signal?.aborted) return { ...total, auditEntries: 0 };
    }
    const auditEntries =
      this.auditRetentionDays > 0
        ? (await this.audit.prune(now - this.auditRetentionDays * DAY_MS, actor, signal)).pruned
        : 0;
    return { ...total, auditEntries };
  }
}
