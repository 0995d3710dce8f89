import type { AuditAction, AuditCheckpoint, AuditEntry } from './audit-chain';
import type {
  DetokenizeTarget,
  OtkPurpose,
  OtkRow,
  PreviewTarget,
  RecordRow,
  RelayRow,
  RelaySendRow,
  RelaySendState,
  RequestRow,
  SiteBrandRow,
  SiteKeyRow,
  SiteRow,
  SubmitTarget,
  VisitorSelector,
} from './types';

/**
 * Maps snake_case database rows to storage rows, for every SQL backend. Numbers go through
 * `Number()` because PostgreSQL hands BIGINT (epoch ms) back as strings.
 */
export type Row = Record<string, unknown>;

function nullableString(value: unknown): string | null {
  // SQL drivers return text columns as strings.
  return value === null || value === undefined ? null : String(value as string);
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export function toSite(row: Row | undefined): SiteRow | undefined {
  if (!row) return undefined;
  return {
    siteId: String(row.site_id),
    origin: String(row.origin),
    apiKeyId: String(row.api_key_id),
    apiKeyHash: String(row.api_key_hash),
    createdAt: Number(row.created_at),
  };
}

export function toBrand(row: Row): SiteBrandRow {
  const sha256 = nullableString(row.logo_sha256);
  return {
    siteId: String(row.site_id),
    displayName: String(row.display_name),
    accentColour: nullableString(row.accent_colour),
    logo: sha256 ? { sha256, width: Number(row.logo_width), height: Number(row.logo_height) } : null,
    updatedAt: Number(row.updated_at),
  };
}

export function toKey(row: Row | undefined): SiteKeyRow | undefined {
  if (!row) return undefined;
  return {
    siteId: String(row.site_id),
    kid: String(row.kid),
    wrappedKey: String(row.wrapped_key),
    createdAt: Number(row.created_at),
    // SQLite stores 0/1, PostgreSQL a boolean.
    active: row.active === true || Number(row.active) === 1,
  };
}

export function toRequest(row: Row | undefined): RequestRow | undefined {
  if (!row) return undefined;
  return {
    requestId: String(row.request_id),
    siteId: String(row.site_id),
    kind: row.kind as RequestRow['kind'],
    roomId: String(row.room_id),
    agentId: String(row.agent_id),
    visitorToken: nullableString(row.visitor_token),
    locale: String(row.locale),
    callbackUrl: String(row.callback_url),
    spec: String(row.spec),
    status: row.status as RequestRow['status'],
    createdAt: Number(row.created_at),
    openedAt: nullableNumber(row.opened_at),
    submittedAt: nullableNumber(row.submitted_at),
    finishedAt: nullableNumber(row.finished_at),
    viewedAt: nullableNumber(row.viewed_at),
    expiresAt: Number(row.expires_at),
  };
}

export function toRecord(row: Row | undefined): RecordRow | undefined {
  if (!row) return undefined;
  return {
    recordId: String(row.record_id),
    requestId: String(row.request_id),
    siteId: String(row.site_id),
    kid: String(row.kid),
    token: String(row.token),
    createdAt: Number(row.created_at),
    wrappedKey: nullableString(row.wrapped_key),
  };
}

/** The row of findDetokenizeTarget's join: request columns, `room_closed`, and the record's (null without one). */
export function toDetokenizeTarget(row: Row | undefined): DetokenizeTarget | undefined {
  if (!row) return undefined;
  const request = {
    requestId: String(row.request_id),
    siteId: String(row.site_id),
    agentId: String(row.agent_id),
    roomId: String(row.room_id),
    status: row.status as RequestRow['status'],
    spec: String(row.spec),
  };
  const recordId = nullableString(row.record_id);
  return {
    request,
    // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
    roomClosed: row.room_closed === true || Number(row.room_closed) === 1,
    record:
      recordId === null
        ? undefined
        : {
            recordId,
            requestId: request.requestId,
            siteId: request.siteId,
            kid: String(row.kid),
            token: String(row.token),
            createdAt: Number(row.record_created_at),
            wrappedKey: nullableString(row.wrapped_key),
          },
    keyGeneration: Number(row.key_generation),
  };
}

export function toPreviewTarget(row: Row | undefined): PreviewTarget | undefined {
  if (!row) return undefined;
  return {
    siteId: String(row.site_id),
    kind: row.kind as RequestRow['kind'],
    locale: String(row.locale),
    title: typeof row.title === 'string' ? row.title : '',
    ...(row.display_name === null || row.display_name === undefined ? {} : { brand: toBrand(row) }),
  };
}

export function toSubmitTarget(row: Row | undefined): SubmitTarget | undefined {
  if (!row) return undefined;
  return {
    requestId: String(row.request_id),
    siteId: String(row.site_id),
    kind: row.kind as RequestRow['kind'],
    locale: String(row.locale),
    spec: String(row.spec),
    expiresAt: Number(row.expires_at),
    keyGeneration: Number(row.key_generation),
  };
}

export function toOtk(row: Row | undefined): OtkRow | undefined {
  if (!row) return undefined;
  return {
    hash: String(row.hash),
    purpose: row.purpose as OtkPurpose,
    siteId: String(row.site_id),
    requestId: String(row.request_id),
    agentId: nullableString(row.agent_id),
    expiresAt: Number(row.expires_at),
  };
}

export function toAudit(row: Row): AuditEntry {
  return {
    seq: Number(row.seq),
    at: Number(row.at),
    siteId: nullableString(row.site_id),
    actor: String(row.actor),
    // The table holds only actions the union names: every row was written from an AuditEvent.
    action: String(row.action) as AuditAction,
    requestId: nullableString(row.request_id),
    detail: nullableString(row.detail),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

export function toCheckpoint(row: Row): AuditCheckpoint {
  return {
    kind: row.kind === 'prune' ? 'prune' : 'head',
    seq: Number(row.seq),
    hash: String(row.hash),
    at: Number(row.at),
    keyId: String(row.key_id),
    signature: String(row.signature),
  };
}

/** The requests column a selector matches on, and its value (a parameter, never interpolated). */
export function selectorColumn(selector: VisitorSelector): ['visitor_token' | 'room_id', string] {
  return 'visitorToken' in selector ? ['visitor_token', selector.visitorToken] : ['room_id', selector.roomId];
}

export function toRelay(row: Row | undefined): RelayRow | undefined {
  if (!row) return undefined;
  return {
    siteId: String(row.site_id),
    relayId: String(row.relay_id),
    config: String(row.config),
    sealedSecret: nullableString(row.sealed_secret),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function toRelaySend(row: Row | undefined): RelaySendRow | undefined {
  if (!row) return undefined;
  return {
    requestId: String(row.request_id),
    relayId: String(row.relay_id),
    state: String(row.state) as RelaySendState,
    kept: nullableString(row.kept),
    attempts: Number(row.attempts),
    updatedAt: Number(row.updated_at),
  };
}
