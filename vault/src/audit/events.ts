import type { AuditEvent } from '../storage/audit-chain';

/**
 * Every action the audit trail records, one name per thing that happened. Storage writes
 * `request.expire` itself (in the sweep's transaction); the services build the rest with auditEvent().
 */
export type AuditAction =
  | 'request.create'
  | 'request.open'
  | 'request.submit'
  | 'request.cancel'
  | 'request.expire'
  | 'otk.mint'
  | 'otk.refused'
  | 'detokenize.ok'
  | 'detokenize.refused'
  | 'session.close'
  | 'integrity.failed'
  | 'viewer.mint'
  | 'viewer.refused'
  | 'viewer.open'
  | 'viewer.reveal'
  | 'viewer.copy'
  | 'viewer.hide'
  | 'site.add'
  | 'site.rekey'
  | 'site.remove'
  | 'site.manager_view'
  | 'site.idv_paste'
  | 'site.brand'
  | 'keys.rotate'
  | 'retention.purge'
  | 'audit.prune'
  | 'audit.export';

export interface AuditEventFields {
  at: number;
  /** `site:<id>`, `agent:<id>`, `visitor`, `cli`, `system`. */
  actor: string;
  /** Storage fills these in from the row it acts on where the service does not know them yet. */
  siteId?: string | null;
  requestId?: string | null;
  /** Reasons and ids, never a value; stored as small JSON. */
  detail?: Record<string, unknown>;
}

/**
 * One audit event, built the same way everywhere.
 *
 * @example auditEvent('otk.refused', { at: now, actor: `agent:${agentId}`, siteId, requestId, detail: { reason: 'not_sender' } })
 */
export function auditEvent(action: AuditAction, fields: AuditEventFields): AuditEvent {
  return {
    at: fields.at,
    siteId: fields.siteId ?? null,
    actor: fields.actor,
    action,
    requestId: fields.requestId ?? null,
    detail: fields.detail ? JSON.stringify(fields.detail) : null,
  };
}
