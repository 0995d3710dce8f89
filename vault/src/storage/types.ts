import type { AuditCheckpoint, AuditEntry, AuditEvent } from './audit-chain';
import type { RequestKind, RequestStatus } from '../contract';

/** Times are epoch milliseconds everywhere in storage. */

export interface SiteRow {
  siteId: string;
  origin: string;
  apiKeyId: string;
  apiKeyHash: string;
  createdAt: number;
}

/**
 * A site's switches, each the vault admin's to set (`vault:cli site <switch> <siteId> on|off`), each
 * held in the `site_policies` column of its name, with its value for a site never set:
 * `manager_view` lets managers view values, `idv_paste` lets the ID&V page take the whole secret,
 * `viewer_copy` gives the viewer its Copy buttons (off: no value leaves the page by its clipboard).
 */
export const SITE_POLICIES = {
  manager_view: { byDefault: false },
  idv_paste: { byDefault: false },
  viewer_copy: { byDefault: true },
} as const;
export type SitePolicy = keyof typeof SITE_POLICIES;

/** A site's branding on the visitor pages (see pages/brand.ts); the logo's bytes are read apart, by hash. */
export interface SiteBrandRow {
  siteId: string;
  displayName: string;
  /** `#rrggbb`, contrast-checked before it is stored. */
  accentColour: string | null;
  /** A checked PNG (validation/png.ts), found by the hex SHA-256 of its bytes. */
  logo: { sha256: string; width: number; height: number } | null;
  updatedAt: number;
}

export interface SiteKeyRow {
  siteId: string;
  kid: string;
  /** The key-encryption key, wrapped by the master key. */
  wrappedKey: string;
  createdAt: number;
  active: boolean;
}

export interface RequestRow {
  requestId: string;
  siteId: string;
  kind: RequestKind;
  roomId: string;
  agentId: string;
  visitorToken: string | null;
  locale: string;
  callbackUrl: string;
  /** JSON of the request's public shape (title, fields, ID&V label and positions): no values. */
  spec: string;
  status: RequestStatus;
  createdAt: number;
  openedAt: number | null;
  submittedAt: number | null;
  /** When it was cancelled, expired or closed. */
  finishedAt: number | null;
  viewedAt: number | null;
  /** End of the current window: opening while pending, submitting while opened. */
  expiresAt: number;
}

/** A tokenized submission: one compact JWE. */
export interface RecordRow {
  recordId: string;
  requestId: string;
  siteId: string;
  kid: string;
  /** The JWE; without its encrypted-key part when `wrappedKey` holds it (crypto/record-key.ts). */
  token: string;
  createdAt: number;
  /** The record's wrapped content key, stored apart (table `record_keys`) so erasure can destroy it. */
  wrappedKey?: string | null;
}

/**
 * What a live detokenize OTK leads to, read in one statement before anything is consumed: the
 * request's few columns a detokenize checks, whether its room is closed, and its record with the
 * record's key (none when every field was off the record).
 */
export interface DetokenizeTarget {
  request: Pick<RequestRow, 'requestId' | 'siteId' | 'agentId' | 'roomId' | 'status' | 'spec'>;
  roomClosed: boolean;
  record: RecordRow | undefined;
  /** The database's site-key generation, read in the same statement (see Storage.keyGeneration). */
  keyGeneration: number;
}

/**
 * What a visitor link's start step shows: its pending request's title (read out of the spec by the
 * database, so a page view does not parse the whole form), with its site's brand if it has one.
 */
export type PreviewTarget = Pick<RequestRow, 'siteId' | 'kind' | 'locale'> & { title: string; brand?: SiteBrandRow };

/** What a visitor's submit needs of the opened request a live submit OTK leads to. */
export type SubmitTarget = Pick<RequestRow, 'requestId' | 'siteId' | 'kind' | 'locale' | 'spec' | 'expiresAt'> & {
  /** The database's site-key generation, read in the same statement (see Storage.keyGeneration). */
  keyGeneration: number;
};

/** Which requests of a site one erasure or export covers: a visitor's, or a room's. */
export type VisitorSelector = { visitorToken: string } | { roomId: string };

/** What an erasure removed, and whether the database files were scrubbed of it. */
export interface ErasureOutcome {
  requests: RequestRow[];
  records: number;
  otks: number;
  /**
   * SQLite: the WAL was checkpointed and truncated (secure_delete zeroed the rows). PostgreSQL:
   * the table of record keys was rewritten (VACUUM FULL). False when that could not happen now
   * (a reader held the WAL); the rows are deleted all the same.
   */
  scrubbed: boolean;
}

/**
 * `view` and `manager_view` are viewer links (single use, seconds to open); opening one turns it
 * into a `view_session` or `manager_session`: the viewer page's session, minutes long.
 */
export type OtkPurpose =
  'open' | 'submit' | 'detokenize' | 'view' | 'manager_view' | 'view_session' | 'manager_session';

/** The viewer link purposes and the session each one opens into. */
export const VIEWER_SESSION_OF = { view: 'view_session', manager_view: 'manager_session' } as const;
export type ViewerLinkPurpose = keyof typeof VIEWER_SESSION_OF;
export type ViewerSessionPurpose = (typeof VIEWER_SESSION_OF)[ViewerLinkPurpose];

export interface OtkRow {
  /** SHA-256 of the OTK; the OTK itself is never stored. */
  hash: string;
  purpose: OtkPurpose;
  siteId: string;
  requestId: string;
  /** For `detokenize` and the viewer purposes: the one user the key was minted for. */
  agentId: string | null;
  expiresAt: number;
}

/** An audit event whose site and request the storage fills in from the row it acts on. */
export type PendingAudit = Omit<AuditEvent, 'siteId' | 'requestId'>;

export interface PurgeCounts {
  records: number;
  requests: number;
  otks: number;
  closedRooms: number;
}

/**
 * Everything the vault keeps durably. Each method is one atomic step (a transaction) that also
 * appends its audit entry, so a state change and its audit row exist together or not at all.
 * Storage only sees rows: tokens arrive already encrypted, OTKs already hashed.
 */
/** A relay as stored: its checked config (JSON) and its secret header, sealed with the site's key. */
export interface RelayRow {
  siteId: string;
  relayId: string;
  config: string;
  sealedSecret: string | null;
  createdAt: number;
  updatedAt: number;
}

export type RelaySendState = 'sending' | 'approved' | 'declined' | 'failed' | 'unknown';

/** A relay-bound request's send: its state and the answer fields kept (JSON), never the request body. */
export interface RelaySendRow {
  requestId: string;
  relayId: string;
  state: RelaySendState;
  kept: string | null;
  attempts: number;
  updatedAt: number;
}

export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** Creates or upgrades the schema; idempotent. */
  migrate(): Promise<void>;
  /** Throws if storage is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;

  addSite(site: SiteRow, key: SiteKeyRow, audit: AuditEvent): Promise<void>;
  getSite(siteId: string): Promise<SiteRow | undefined>;
  findSiteByKeyId(apiKeyId: string): Promise<SiteRow | undefined>;
  listSites(): Promise<SiteRow[]>;
  /** Deletes the site, its keys (crypto-shredding its data), requests, records and OTKs; moves the key generation on. */
  removeSite(siteId: string, audit: AuditEvent): Promise<boolean>;
  getActiveSiteKey(siteId: string): Promise<SiteKeyRow | undefined>;
  getSiteKey(siteId: string, kid: string): Promise<SiteKeyRow | undefined>;
  /**
   * A number that moves on, in the same transaction, whenever a site key is rotated out of use or
   * removed with its site: a site key read after this number was read is valid while it stays the
   * same. The reads of a submit and a detokenize return it with their rows.
   */
  keyGeneration(): Promise<number>;
  /** Replaces the site's API key (the old one stops working at once); false for an unknown site. */
  replaceApiKey(siteId: string, apiKeyId: string, apiKeyHash: string, audit: AuditEvent): Promise<boolean>;
  /** Adds `key` as the site's active key; older keys stay for reading. Moves the key generation on. */
  rotateSiteKey(key: SiteKeyRow, audit: AuditEvent): Promise<void>;

  /**
   * Stores a new request with its open OTK and audit entry; false, writing nothing, when the
   * request's room was closed (checked in the same transaction, so a close cannot slip in between).
   */
  createRequest(request: RequestRow, openOtk: OtkRow, audit: AuditEvent): Promise<boolean>;
  getRequest(requestId: string): Promise<RequestRow | undefined>;
  /** The newest `limit` requests of a room, oldest first. */
  listRoomRequests(siteId: string, roomId: string, limit: number): Promise<RequestRow[]>;
  isRoomClosed(siteId: string, roomId: string): Promise<boolean>;
  getRecord(requestId: string): Promise<RecordRow | undefined>;

  /** A live (unexpired, unused) OTK of that purpose, without consuming it. */
  peekOtk(hash: string, purpose: OtkPurpose, now: number): Promise<OtkRow | undefined>;
  insertOtk(otk: OtkRow, audit: AuditEvent): Promise<void>;
  /**
   * What a detokenize OTK that is live and bound to that site and agent leads to, in one read;
   * consumes nothing (see redeemDetokenizeOtk).
   */
  findDetokenizeTarget(
    hash: string,
    siteId: string,
    agentId: string,
    now: number,
  ): Promise<DetokenizeTarget | undefined>;
  /**
   * In one transaction: consumes the detokenize OTK only if it is live and bound to that site,
   * agent and request, marks the request viewed only while it is submitted and its room open, and
   * appends `audit`. False, with nothing written, when any of that does not hold: of every caller
   * with one OTK, exactly one gets true.
   */
  redeemDetokenizeOtk(
    hash: string,
    siteId: string,
    agentId: string,
    requestId: string,
    now: number,
    audit: AuditEvent,
  ): Promise<boolean>;

  /**
   * Consumes the open OTK of a pending request in an open room, marks it opened, stores the submit
   * OTK (whose expiry becomes the request's), and audits. Undefined when any of that does not hold.
   */
  openRequest(
    openHash: string,
    submitOtk: Omit<OtkRow, 'siteId' | 'requestId' | 'purpose' | 'agentId'>,
    now: number,
    audit: PendingAudit,
  ): Promise<RequestRow | undefined>;
  /**
   * The pending request, still in time and in an open room, that a live open OTK leads to, with its
   * site's brand, in one read; consumes nothing (a GET of the link must change nothing).
   */
  findPreviewTarget(hash: string, now: number): Promise<PreviewTarget | undefined>;
  /**
   * The opened request, still in time, that a live submit OTK leads to, in one read; consumes
   * nothing. The room is checked when the submit is stored.
   */
  findSubmitTarget(hash: string, now: number): Promise<SubmitTarget | undefined>;
  /**
   * Consumes the submit OTK of an opened request of `requestId` in an open room, stores the
   * record (if any), marks it submitted, kills the request's other OTKs, and audits.
   */
  submitRequest(
    submitHash: string,
    requestId: string,
    record: RecordRow | null,
    now: number,
    audit: PendingAudit,
  ): Promise<RequestRow | undefined>;
  /** Same as submit, for cancel: no record, status cancelled. */
  cancelRequest(submitHash: string, now: number, audit: PendingAudit): Promise<RequestRow | undefined>;

  /**
   * Consumes a live viewer link (`view` or `manager_view`) of a submitted request in an open room,
   * stores the session it opens into (same site, request and user; purpose from
   * VIEWER_SESSION_OF), marks the request viewed, and audits. Undefined when any of that does not
   * hold; the link is used up all the same.
   */
  openViewer(
    linkHash: string,
    session: Pick<OtkRow, 'hash' | 'expiresAt'>,
    now: number,
    audit: PendingAudit,
  ): Promise<{ request: RequestRow; session: OtkRow } | undefined>;
  /** Deletes a viewer session (the viewer's "hide") and audits; undefined when it was not live. */
  endViewerSession(hash: string, now: number, audit: PendingAudit): Promise<OtkRow | undefined>;
  /**
   * Claims one doorbell event of a request for the caller, atomically: true for the first claim of
   * that (request, event), false for every later one.
   */
  claimEvent(requestId: string, event: string, now: number): Promise<boolean>;
  /** One of the site's switches, as the vault admin set it, else its default (SITE_POLICIES). */
  getSitePolicy(siteId: string, policy: SitePolicy): Promise<boolean>;
  /** Sets one of the site's switches and audits; false for an unknown site. */
  setSitePolicy(siteId: string, policy: SitePolicy, enabled: boolean, audit: AuditEvent): Promise<boolean>;
  /** The site's branding, or undefined for neutral pages. */
  getBrand(siteId: string): Promise<SiteBrandRow | undefined>;
  /**
   * Replaces the site's branding (with the logo's bytes when it has one), or removes it when `brand`
   * is null, and audits; false for an unknown site.
   */
  setBrand(siteId: string, brand: SiteBrandRow | null, logo: Buffer | null, audit: AuditEvent): Promise<boolean>;
  /** A logo's bytes by the hex SHA-256 of its content, whichever site it belongs to. */
  getLogo(sha256: string): Promise<Buffer | undefined>;

  /**
   * Marks the room closed (idempotent), closes its unfinished requests, deletes all its OTKs, and
   * audits. Returns the ids of every request of the room (to erase their ephemeral data).
   */
  closeRoom(siteId: string, roomId: string, now: number, audit: AuditEvent): Promise<string[]>;
  /** Marks pending or opened requests whose window ended as expired; returns them. */
  expireDue(now: number, limit: number, audit: PendingAudit): Promise<RequestRow[]>;
  /** A site's requests of one visitor (by visitor token) or one room, oldest first. */
  findRequests(siteId: string, selector: VisitorSelector): Promise<RequestRow[]>;
  /**
   * Deletes a site's requests of one visitor or room with their records, record keys, OTKs, event
   * claims and relay outcomes, and appends `audit(counts)` in the same transaction; then scrubs the deleted
   * bytes from the database files where the backend can (see ErasureOutcome.scrubbed).
   */
  eraseRequests(
    siteId: string,
    selector: VisitorSelector,
    audit: (erased: { requestIds: string[]; records: number; otks: number }) => AuditEvent,
  ): Promise<ErasureOutcome>;
  /**
   * One step of the retention purge, in one transaction with its audit entry (`audit` with the
   * counts): deletes the `limit` oldest requests created before `before` with their records,
   * record keys, OTKs, event claims and relay outcomes, and at most `limit` dead OTKs (expired by
   * `now`) and closed-room marks older than `before`. A count that reaches `limit` means more may be left.
   */
  purge(before: number, now: number, limit: number, audit: AuditEvent): Promise<PurgeCounts>;

  /** Creates or replaces a site's relay and audits; false for an unknown site. */
  putRelay(relay: RelayRow, audit: AuditEvent): Promise<boolean>;
  getRelay(siteId: string, relayId: string): Promise<RelayRow | undefined>;
  listRelays(siteId: string): Promise<RelayRow[]>;
  removeRelay(siteId: string, relayId: string, audit: AuditEvent): Promise<boolean>;
  getRelaySend(requestId: string): Promise<RelaySendRow | undefined>;
  /** The sends of those requests that have one, in one read (a room's listing). */
  getRelaySends(requestIds: string[]): Promise<RelaySendRow[]>;
  /**
   * Takes a request for one send, atomically: from no row, `failed` or `unknown`, or a `sending`
   * last touched before `staleBefore` (a crashed sender), to `sending` with one more attempt.
   * Undefined when a send is under way or the outcome is final; else the state before (an
   * `unknown` or stale `sending` one means: reconcile first) and the attempt's number.
   */
  beginRelaySend(
    requestId: string,
    relayId: string,
    now: number,
    staleBefore: number,
  ): Promise<{ previous: RelaySendState | undefined; attempt: number } | undefined>;
  /** Records a send's outcome and audits it. */
  finishRelaySend(
    requestId: string,
    state: Exclude<RelaySendState, 'sending'>,
    kept: string | null,
    now: number,
    audit: AuditEvent,
  ): Promise<void>;

  appendAudit(event: AuditEvent): Promise<void>;
  /** Audit entries with seq > afterSeq, in order, at most `limit`. */
  readAudit(afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** The last entry's seq and hash, or undefined for an empty trail. */
  auditHead(): Promise<{ seq: number; hash: string } | undefined>;
  /** The seq of the last entry written before `at`, or undefined when there is none. */
  lastAuditSeqBefore(at: number): Promise<number | undefined>;
  /** Stores a signed checkpoint; false when one of that kind and seq exists already. */
  appendCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean>;
  /** Checkpoints with seq > afterSeq, in seq order, at most `limit`. */
  readCheckpoints(afterSeq: number, limit: number): Promise<AuditCheckpoint[]>;
  /** The checkpoint with the highest seq, or undefined. */
  latestCheckpoint(): Promise<AuditCheckpoint | undefined>;
  /**
   * Deletes audit entries with seq <= throughSeq; the database refuses it unless a `prune`
   * checkpoint at or above throughSeq was stored first. Appends `audit` in the same transaction.
   */
  pruneAudit(throughSeq: number, audit: AuditEvent): Promise<number>;
}
