import { auditEvent } from '../audit/events';
import type { PurgeCounts, Storage } from '../storage/types';
import type { AuditTrailService } from './audit-trail';
import type { Clock } from './clock';

const DAY_MS = 86_400_000;

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

  async purge(actor = 'system'): Promise<RetentionCounts> {
    const now = this.clock();
    const counts = await this.storage.purge(
      now - this.retentionDays * DAY_MS,
      now,
      auditEvent('retention.purge', { at: now, actor }),
    );
    const auditEntries =
      this.auditRetentionDays > 0 ? (await this.audit.prune(now - this.auditRetentionDays * DAY_MS, actor)).pruned : 0;
    return { ...counts, auditEntries };
  }
}
