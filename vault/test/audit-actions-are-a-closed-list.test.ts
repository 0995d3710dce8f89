/**
 * Every audit event is built by auditEvent() from a closed list of actions: the type-check (part of
 * `npm test`) refuses an action nobody named, and the event carries its detail as small JSON.
 */
import { auditEvent } from '../src/audit/events';
import type { AuditEvent } from '../src/storage/audit-chain';

describe('audit events', () => {
  it('are built the same way everywhere, detail as JSON, unknown site and request as null', () => {
    expect(auditEvent('viewer.copy', { at: 5, actor: 'agent:a1', detail: { fieldId: 'pan' } })).toEqual({
      at: 5,
      siteId: null,
      actor: 'agent:a1',
      action: 'viewer.copy',
      requestId: null,
      detail: '{"fieldId":"pan"}',
    });
  });

  it('name only actions the list holds', () => {
    // @ts-expect-error an action nobody named does not compile
    const unknown = auditEvent('viewer.peek', { at: 1, actor: 'cli' });
    // @ts-expect-error nor does a hand-built event with a free-text action
    const handBuilt: AuditEvent = { ...unknown, action: 'anything' as string };
    expect(handBuilt.action).toBe('anything');
  });
});
