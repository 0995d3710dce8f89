import type { AuditAction, AuditEvent } from '../storage/audit-chain';

export type { AuditAction };

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
