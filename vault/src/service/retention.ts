import type { PurgeCounts, Storage } from '../storage/types';
import type { Clock } from './clock';

const DAY_MS = 86_400_000;

/** Deletes tokenized data past its retention (13 months by default) and dead OTKs. */
export class RetentionService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly retentionDays: number,
  ) {}

  async purge(actor = 'system'): Promise<PurgeCounts> {
    const now = this.clock();
    return this.storage.purge(now - this.retentionDays * DAY_MS, now, {
      at: now,
      siteId: null,
      actor,
      action: 'retention.purge',
      requestId: null,
      detail: null,
    });
  }
}
