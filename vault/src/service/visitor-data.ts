import { createHash } from 'node:crypto';
import { auditEvent } from '../audit/events';
import type { RequestStateResponse } from '../contract';
import type { EphemeralStore } from '../ephemeral/types';
import type { Storage, VisitorSelector } from '../storage/types';

export type { VisitorSelector } from '../storage/types';
import type { Clock } from './clock';
import { iso } from './clock';
import { ephemeralKey, givenValues } from './request-spec';
import type { RequestService } from './requests';

/** What an erasure removed (counts and ids, never a value). */
export interface ErasureReport {
  erased: { requests: number; records: number; otks: number };
  requestIds: string[];
  /** The rooms those requests belonged to, so the app can forget its own records of them. */
  roomIds: string[];
  /** Whether the deleted bytes were also scrubbed from the database files (see Storage.eraseRequests). */
  scrubbed: boolean;
}

/** One visitor's (or room's) requests as data they can take away (GDPR Art. 20). */
export interface VisitorExport {
  exportedAt: string;
  requests: (RequestStateResponse & { values?: Record<string, string> })[];
}

/** How the audit names whom an erasure or export covered: a room ID, or the SHA-256 of a visitor token. */
function auditSelector(selector: VisitorSelector): Record<string, string> {
  return 'roomId' in selector
    ? { by: 'room', roomId: selector.roomId }
    : { by: 'visitor', visitorTokenSha256: createHash('sha256').update(selector.visitorToken).digest('hex') };
}

/**
 * Erasure and export of one visitor's data (GDPR Art. 17 and 20), by visitor token or room. Erasure
 * deletes their requests, records and the records' own keys, OTKs and off-the-record entries, and
 * scrubs the database files; the audit keeps one entry saying what went (ids and counts). Export
 * gives request metadata (and a relay's outcome with its kept answer fields); values only when the vault's operator asks for them (the CLI), audited.
 */
export class VisitorDataService {
  constructor(
    private readonly deps: {
      storage: Storage;
      ephemeral: EphemeralStore;
      requests: Pick<RequestService, 'describeWithOutcome' | 'readValues'>;
      clock: Clock;
    },
  ) {}

  async erase(siteId: string, selector: VisitorSelector, actor: string): Promise<ErasureReport> {
    const at = this.deps.clock();
    const outcome = await this.deps.storage.eraseRequests(siteId, selector, (erased) =>
      auditEvent('visitor.erase', { at, actor, siteId, detail: { ...auditSelector(selector), ...erased } }),
    );
    const requestIds = outcome.requests.map((r) => r.requestId);
    await this.deps.ephemeral.delete(requestIds.map(ephemeralKey));
    return {
      erased: { requests: requestIds.length, records: outcome.records, otks: outcome.otks },
      requestIds,
      roomIds: [...new Set(outcome.requests.map((r) => r.roomId))],
      scrubbed: outcome.scrubbed,
    };
  }

  async export(
    siteId: string,
    selector: VisitorSelector,
    actor: string,
    options: { withValues: boolean },
  ): Promise<VisitorExport> {
    const rows = await this.deps.storage.findRequests(siteId, selector);
    const requests: VisitorExport['requests'] = [];
    for (const row of rows) {
      const state: VisitorExport['requests'][number] = await this.deps.requests.describeWithOutcome(row);
      if (options.withValues)
        state.values = givenValues(await this.deps.requests.readValues(row, { offRecord: true, actor }));
      requests.push(state);
    }
    const at = this.deps.clock();
    await this.deps.storage.appendAudit(
      auditEvent('visitor.export', {
        at,
        actor,
        siteId,
        detail: {
          ...auditSelector(selector),
          requestIds: rows.map((r) => r.requestId),
          withValues: options.withValues,
        },
      }),
    );
    return { exportedAt: iso(at), requests };
  }
}
