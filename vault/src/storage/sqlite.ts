import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { DuplicateError } from '../errors';
import { linkEntry, type AuditCheckpoint, type AuditEntry, type AuditEvent } from './audit-chain';
import {
  type OtkPurpose,
  type OtkRow,
  type PendingAudit,
  type PurgeCounts,
  type RecordRow,
  type RelayRow,
  type RelaySendRow,
  type RelaySendState,
  type RequestRow,
  type SiteBrandRow,
  type SiteKeyRow,
  SITE_POLICIES,
  type SitePolicy,
  type SiteRow,
  type Storage,
  type DetokenizeTarget,
  type PreviewTarget,
  type SubmitTarget,
  type ErasureOutcome,
  type VisitorSelector,
  VIEWER_SESSION_OF,
  type ViewerLinkPurpose,
} from './types';
import { ensurePrivateDir, ensurePrivateFile } from '../private-files';
import {
  selectorColumn,
  toBrand,
  toCheckpoint,
  toAudit,
  toDetokenizeTarget,
  toPreviewTarget,
  toSubmitTarget,
  toKey,
  toOtk,
  toRecord,
  toRelay,
  toRelaySend,
  toRequest,
  toSite,
  type Row,
} from './rows';
import { SQLITE_MIGRATIONS } from './sqlite-schema';
import { FALLBACK_AUTOCHECKPOINT_PAGES, SqliteCheckpointer } from './sqlite-checkpointer';

/** The request connection's page cache, in KiB (SQLite's own default is 2,000). */
export const PAGE_CACHE_KIB = 4_000;

/**
 * The embedded default: one SQLite file (WAL), no server. better-sqlite3 is synchronous, so each
 * method body runs in one transaction (`immediate`), which makes every step atomic within the
 * process and, through SQLite's own locking, against the CLI working on the same file.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  /** Compiled statements by SQL text: preparing one costs more than running most of these queries. */
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * One transaction wrapper for every method, made once: `db.transaction(fn)` builds four wrapped
   * functions each time it is called, which cost a write path 3 % of its CPU (detokenize's profile).
   */
  private readonly transactional: Database.Transaction<(work: () => unknown) => unknown>;

  /** Runs the WAL's checkpoints off the request thread but the last few pages (every storage `openVault` opens, CLI commands too). */
  private readonly checkpointer?: SqliteCheckpointer;
  private finishWalFailing = false;

  constructor(file: string, options: { onCheckpointFailure?: (code: string) => void } = {}) {
    if (file !== ':memory:') {
      ensurePrivateDir(path.dirname(file));
      ensurePrivateFile(file);
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL keeps every committed transaction across a process crash; FULL would add power loss.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Deleted rows are overwritten with zeros, not left in free pages: an erased visitor's
    // ciphertext must not stay in the file (eraseRequests also truncates the WAL).
    this.db.pragma('secure_delete = ON');
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection, and under load it fills:
    // 4 MB cost about one more read of a page from the OS's cache per request and kept 12–15 MB
    // off the peak RSS (BENCHMARKS.md, the thirteenth box's round).
    this.db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    this.transactional = this.db.transaction((work: () => unknown) => work());
    if (options.onCheckpointFailure && file !== ':memory:') {
      this.db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      const onFailure = options.onCheckpointFailure;
      this.checkpointer = new SqliteCheckpointer(file, { onFailure, finishWal: () => this.finishWal(onFailure) });
    }
  }

  /**
   * Copies what the background checkpoint left in the WAL. Run between two transactions, so no commit
   * lands in it and the next one starts the WAL over; it copies only what was committed since.
   */
  private finishWal(onFailure: (code: string) => void): void {
    if (!this.db.open) return;
    try {
      // Busy (another process checkpointing) is an answer, not an error: the thread asks again
      // once commits grow the WAL, and without commits its own passes copy the rest.
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.finishWalFailing = false;
    } catch (error) {
      // Once per run of failures, as the thread reports its own.
      if (!this.finishWalFailing) onFailure(String((error as { code?: string }).code ?? 'checkpoint error'));
      this.finishWalFailing = true;
    }
  }

  async migrate(): Promise<void> {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
    );
    for (const migration of SQLITE_MIGRATIONS) {
      this.immediate(() => {
        // Checked inside the write lock, so a second process starting at once skips what the first applied.
        if (this.db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version)) return;
        this.db.exec(migration.sql);
        this.db
          .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
          .run(migration.version, Date.now());
      });
    }
  }

  async ping(): Promise<void> {
    this.sql('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  async addSite(site: SiteRow, key: SiteKeyRow, audit: AuditEvent): Promise<void> {
    this.immediate(() => {
      if (this.sql('SELECT 1 FROM sites WHERE site_id = ?').get(site.siteId))
        throw new DuplicateError(`Site "${site.siteId}"`);
      this.sql('INSERT INTO sites (site_id, origin, api_key_id, api_key_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
        site.siteId,
        site.origin,
        site.apiKeyId,
        site.apiKeyHash,
        site.createdAt,
      );
      this.insertKey(key);
      this.audit(audit);
    });
  }

  async getSite(siteId: string): Promise<SiteRow | undefined> {
    return toSite(this.sql('SELECT * FROM sites WHERE site_id = ?').get(siteId) as Row | undefined);
  }

  async findSiteByKeyId(apiKeyId: string): Promise<SiteRow | undefined> {
    return toSite(this.sql('SELECT * FROM sites WHERE api_key_id = ?').get(apiKeyId) as Row | undefined);
  }

  async listSites(): Promise<SiteRow[]> {
    return (this.sql('SELECT * FROM sites ORDER BY site_id').all() as Row[]).map((r) => toSite(r) as SiteRow);
  }

  async removeSite(siteId: string, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      // Keys first: once they are gone every token of the site is unreadable, wherever copies sit.
      this.sql('DELETE FROM site_keys WHERE site_id = ?').run(siteId);
      this.sql('DELETE FROM otks WHERE site_id = ?').run(siteId);
      this.sql('DELETE FROM records WHERE site_id = ?').run(siteId);
      this.sql('DELETE FROM requests WHERE site_id = ?').run(siteId);
      this.sql('DELETE FROM closed_rooms WHERE site_id = ?').run(siteId);
      const removed = this.sql('DELETE FROM sites WHERE site_id = ?').run(siteId).changes > 0;
      if (removed) {
        this.nextKeyGeneration();
        this.audit(audit);
      }
      return removed;
    });
  }

  async getActiveSiteKey(siteId: string): Promise<SiteKeyRow | undefined> {
    return toKey(this.sql('SELECT * FROM site_keys WHERE site_id = ? AND active = 1').get(siteId) as Row | undefined);
  }

  async getSiteKey(siteId: string, kid: string): Promise<SiteKeyRow | undefined> {
    return toKey(this.sql('SELECT * FROM site_keys WHERE site_id = ? AND kid = ?').get(siteId, kid) as Row | undefined);
  }

  async keyGeneration(): Promise<number> {
    return Number((this.sql('SELECT generation FROM key_generation WHERE id = 1').get() as Row).generation);
  }

  async replaceApiKey(siteId: string, apiKeyId: string, apiKeyHash: string, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      const replaced =
        this.sql('UPDATE sites SET api_key_id = ?, api_key_hash = ? WHERE site_id = ?').run(
          apiKeyId,
          apiKeyHash,
          siteId,
        ).changes > 0;
      if (replaced) this.audit(audit);
      return replaced;
    });
  }

  async rotateSiteKey(key: SiteKeyRow, audit: AuditEvent): Promise<void> {
    this.immediate(() => {
      this.sql('UPDATE site_keys SET active = 0 WHERE site_id = ?').run(key.siteId);
      this.insertKey(key);
      this.nextKeyGeneration();
      this.audit(audit);
    });
  }

  async createRequest(request: RequestRow, openOtk: OtkRow, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      if (this.roomClosed(request.siteId, request.roomId)) return false;
      this.sql(
        `INSERT INTO requests (request_id, site_id, kind, room_id, agent_id, visitor_token, locale,
          callback_url, spec, status, created_at, opened_at, submitted_at, finished_at, viewed_at, expires_at)
        VALUES (@requestId, @siteId, @kind, @roomId, @agentId, @visitorToken, @locale, @callbackUrl, @spec, @status,
          @createdAt, @openedAt, @submittedAt, @finishedAt, @viewedAt, @expiresAt)`,
      ).run(request);
      this.insertOtkRow(openOtk);
      this.audit(audit);
      return true;
    });
  }

  async getRequest(requestId: string): Promise<RequestRow | undefined> {
    return toRequest(this.sql('SELECT * FROM requests WHERE request_id = ?').get(requestId) as Row | undefined);
  }

  async listRoomRequests(siteId: string, roomId: string, limit: number): Promise<RequestRow[]> {
    const newest = this.sql(
      'SELECT * FROM requests WHERE site_id = ? AND room_id = ? ORDER BY created_at DESC, request_id DESC LIMIT ?',
    ).all(siteId, roomId, limit) as Row[];
    return newest.reverse().map((r) => toRequest(r) as RequestRow);
  }

  async isRoomClosed(siteId: string, roomId: string): Promise<boolean> {
    return this.roomClosed(siteId, roomId);
  }

  async getRecord(requestId: string): Promise<RecordRow | undefined> {
    return toRecord(
      this.sql(
        'SELECT r.*, k.wrapped_key FROM records r LEFT JOIN record_keys k ON k.record_id = r.record_id WHERE r.request_id = ?',
      ).get(requestId) as Row | undefined,
    );
  }

  async peekOtk(hash: string, purpose: OtkPurpose, now: number): Promise<OtkRow | undefined> {
    return toOtk(
      this.sql('SELECT * FROM otks WHERE hash = ? AND purpose = ? AND expires_at > ?').get(hash, purpose, now) as
        Row | undefined,
    );
  }

  async insertOtk(otk: OtkRow, audit: AuditEvent): Promise<void> {
    this.immediate(() => {
      this.insertOtkRow(otk);
      this.audit(audit);
    });
  }

  async findDetokenizeTarget(
    hash: string,
    siteId: string,
    agentId: string,
    now: number,
  ): Promise<DetokenizeTarget | undefined> {
    return toDetokenizeTarget(
      this.sql(
        `SELECT r.request_id, r.site_id, r.agent_id, r.room_id, r.status, r.spec,
          EXISTS (SELECT 1 FROM closed_rooms c WHERE c.site_id = r.site_id AND c.room_id = r.room_id) AS room_closed,
          rec.record_id, rec.kid, rec.token, rec.created_at AS record_created_at, k.wrapped_key,
          (SELECT generation FROM key_generation WHERE id = 1) AS key_generation
        FROM otks o
        JOIN requests r ON r.request_id = o.request_id
        LEFT JOIN records rec ON rec.request_id = r.request_id
        LEFT JOIN record_keys k ON k.record_id = rec.record_id
        WHERE o.hash = ? AND o.purpose = 'detokenize' AND o.site_id = ? AND o.agent_id = ? AND o.expires_at > ?`,
      ).get(hash, siteId, agentId, now) as Row | undefined,
    );
  }

  async redeemDetokenizeOtk(
    hash: string,
    siteId: string,
    agentId: string,
    requestId: string,
    now: number,
    audit: AuditEvent,
  ): Promise<boolean> {
    return this.immediateOr(false, () => {
      const consumed = this.sql(
        `DELETE FROM otks WHERE hash = ? AND purpose = 'detokenize' AND site_id = ? AND agent_id = ?
        AND request_id = ? AND expires_at > ?`,
      ).run(hash, siteId, agentId, requestId, now);
      if (consumed.changes === 0) return false;
      const viewed = this.sql(
        `UPDATE requests SET viewed_at = ? WHERE request_id = ? AND site_id = ? AND agent_id = ?
        AND status = 'submitted' AND ${ROOM_OPEN}`,
      ).run(now, requestId, siteId, agentId);
      if (viewed.changes === 0) throw new Rollback();
      this.audit(audit);
      return true;
    });
  }

  async openRequest(
    openHash: string,
    submitOtk: Pick<OtkRow, 'hash' | 'expiresAt'>,
    now: number,
    audit: PendingAudit,
  ): Promise<RequestRow | undefined> {
    return this.immediate(() => {
      const otk = this.consume(openHash, 'open', now);
      if (!otk) return undefined;
      const request = toRequest(
        this.sql('SELECT * FROM requests WHERE request_id = ?').get(otk.requestId) as Row | undefined,
      );
      if (
        !request ||
        request.status !== 'pending' ||
        request.expiresAt <= now ||
        this.roomClosed(request.siteId, request.roomId)
      )
        return undefined;
      this.sql("UPDATE requests SET status = 'opened', opened_at = ?, expires_at = ? WHERE request_id = ?").run(
        now,
        submitOtk.expiresAt,
        request.requestId,
      );
      // Field by field, as linkEntry's entry: on Node 20 the spread copy reached the old generation.
      this.insertOtkRow({
        hash: submitOtk.hash,
        expiresAt: submitOtk.expiresAt,
        purpose: 'submit',
        siteId: request.siteId,
        requestId: request.requestId,
        agentId: null,
      });
      this.audit({ ...audit, siteId: request.siteId, requestId: request.requestId });
      return { ...request, status: 'opened' as const, openedAt: now, expiresAt: submitOtk.expiresAt };
    });
  }

  async findPreviewTarget(hash: string, now: number): Promise<PreviewTarget | undefined> {
    return toPreviewTarget(
      this.sql(
        `SELECT r.site_id, r.kind, r.locale, json_extract(r.spec, '$.title') AS title,
          b.display_name, b.accent_colour, b.logo_sha256, b.logo_width, b.logo_height, b.updated_at
        FROM otks o
        JOIN requests r ON r.request_id = o.request_id
        LEFT JOIN site_brands b ON b.site_id = r.site_id
        WHERE o.hash = ? AND o.purpose = 'open' AND o.expires_at > ? AND r.status = 'pending' AND r.expires_at > ?
          AND NOT EXISTS (SELECT 1 FROM closed_rooms c WHERE c.site_id = r.site_id AND c.room_id = r.room_id)`,
      ).get(hash, now, now) as Row | undefined,
    );
  }

  async findSubmitTarget(hash: string, now: number): Promise<SubmitTarget | undefined> {
    return toSubmitTarget(
      this.sql(
        `SELECT r.request_id, r.site_id, r.kind, r.locale, r.spec, r.expires_at,
          (SELECT generation FROM key_generation WHERE id = 1) AS key_generation
        FROM otks o
        JOIN requests r ON r.request_id = o.request_id
        WHERE o.hash = ? AND o.purpose = 'submit' AND o.expires_at > ? AND r.status = 'opened' AND r.expires_at > ?`,
      ).get(hash, now, now) as Row | undefined,
    );
  }

  async submitRequest(
    submitHash: string,
    requestId: string,
    record: RecordRow | null,
    now: number,
    audit: PendingAudit,
  ): Promise<RequestRow | undefined> {
    return this.finishOpened(submitHash, 'submitted', now, audit, (request) => {
      if (request.requestId !== requestId) return false;
      if (record) {
        this.sql(
          'INSERT INTO records (record_id, request_id, site_id, kid, token, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        ).run(record.recordId, record.requestId, record.siteId, record.kid, record.token, record.createdAt);
        if (record.wrappedKey)
          this.sql('INSERT INTO record_keys (record_id, wrapped_key) VALUES (?, ?)').run(
            record.recordId,
            record.wrappedKey,
          );
      }
      return true;
    });
  }

  async cancelRequest(submitHash: string, now: number, audit: PendingAudit): Promise<RequestRow | undefined> {
    return this.finishOpened(submitHash, 'cancelled', now, audit, () => true);
  }

  async openViewer(
    linkHash: string,
    session: Pick<OtkRow, 'hash' | 'expiresAt'>,
    now: number,
    audit: PendingAudit,
  ): Promise<{ request: RequestRow; session: OtkRow } | undefined> {
    return this.immediate(() => {
      const link = toOtk(
        this.sql(
          `DELETE FROM otks WHERE hash = ? AND purpose IN ('view', 'manager_view') AND expires_at > ? RETURNING *`,
        ).get(linkHash, now) as Row | undefined,
      );
      if (!link) return undefined;
      const request = toRequest(
        this.sql('SELECT * FROM requests WHERE request_id = ?').get(link.requestId) as Row | undefined,
      );
      if (!request || request.status !== 'submitted' || this.roomClosed(request.siteId, request.roomId))
        return undefined;
      const row: OtkRow = {
        ...session,
        purpose: VIEWER_SESSION_OF[link.purpose as ViewerLinkPurpose],
        siteId: link.siteId,
        requestId: link.requestId,
        agentId: link.agentId,
      };
      this.insertOtkRow(row);
      this.sql('UPDATE requests SET viewed_at = ? WHERE request_id = ?').run(now, request.requestId);
      this.audit({ ...audit, siteId: request.siteId, requestId: request.requestId });
      return { request: { ...request, viewedAt: now }, session: row };
    });
  }

  async endViewerSession(hash: string, now: number, audit: PendingAudit): Promise<OtkRow | undefined> {
    return this.immediate(() => {
      const ended = toOtk(
        this.sql(
          `DELETE FROM otks WHERE hash = ? AND purpose IN ('view_session', 'manager_session') AND expires_at > ?
            RETURNING *`,
        ).get(hash, now) as Row | undefined,
      );
      if (ended) this.audit({ ...audit, siteId: ended.siteId, requestId: ended.requestId });
      return ended;
    });
  }

  async claimEvent(requestId: string, event: string, now: number): Promise<boolean> {
    const result = this.sql(
      'INSERT INTO event_claims (request_id, event, claimed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(requestId, event, now);
    return result.changes === 1;
  }

  async getSitePolicy(siteId: string, policy: SitePolicy): Promise<boolean> {
    // The column is the policy's name, one of SITE_POLICIES' keys, never the caller's text.
    const row = this.sql(`SELECT ${policy} AS enabled FROM site_policies WHERE site_id = ?`).get(siteId) as
      Row | undefined;
    return row === undefined ? SITE_POLICIES[policy].byDefault : Number(row.enabled) === 1;
  }

  async setSitePolicy(siteId: string, policy: SitePolicy, enabled: boolean, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      if (!this.sql('SELECT 1 FROM sites WHERE site_id = ?').get(siteId)) return false;
      this.sql(
        `INSERT INTO site_policies (site_id, ${policy}, updated_at) VALUES (?, ?, ?)
          ON CONFLICT (site_id) DO UPDATE SET ${policy} = excluded.${policy}, updated_at = excluded.updated_at`,
      ).run(siteId, enabled ? 1 : 0, audit.at);
      this.audit(audit);
      return true;
    });
  }

  async getBrand(siteId: string): Promise<SiteBrandRow | undefined> {
    const row = this.sql(
      'SELECT site_id, display_name, accent_colour, logo_sha256, logo_width, logo_height, updated_at FROM site_brands WHERE site_id = ?',
    ).get(siteId) as Row | undefined;
    return row ? toBrand(row) : undefined;
  }

  async setBrand(siteId: string, brand: SiteBrandRow | null, logo: Buffer | null, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      if (!this.sql('SELECT 1 FROM sites WHERE site_id = ?').get(siteId)) return false;
      this.sql('DELETE FROM site_brands WHERE site_id = ?').run(siteId);
      if (brand) {
        this.sql(
          `INSERT INTO site_brands (site_id, display_name, accent_colour, logo, logo_sha256, logo_width, logo_height, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          siteId,
          brand.displayName,
          brand.accentColour,
          brand.logo ? logo : null,
          brand.logo?.sha256 ?? null,
          brand.logo?.width ?? null,
          brand.logo?.height ?? null,
          brand.updatedAt,
        );
      }
      this.audit(audit);
      return true;
    });
  }

  async getLogo(sha256: string): Promise<Buffer | undefined> {
    const row = this.sql('SELECT logo FROM site_brands WHERE logo_sha256 = ? AND logo IS NOT NULL LIMIT 1').get(
      sha256,
    ) as { logo: Buffer } | undefined;
    return row ? Buffer.from(row.logo) : undefined;
  }

  async putRelay(relay: RelayRow, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      if (!this.sql('SELECT 1 FROM sites WHERE site_id = ?').get(relay.siteId)) return false;
      this.sql(
        `INSERT INTO relays (site_id, relay_id, config, sealed_secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (site_id, relay_id) DO UPDATE SET config = excluded.config,
            sealed_secret = excluded.sealed_secret, updated_at = excluded.updated_at`,
      ).run(relay.siteId, relay.relayId, relay.config, relay.sealedSecret, relay.createdAt, relay.updatedAt);
      this.audit(audit);
      return true;
    });
  }

  async getRelay(siteId: string, relayId: string): Promise<RelayRow | undefined> {
    return toRelay(
      this.sql('SELECT * FROM relays WHERE site_id = ? AND relay_id = ?').get(siteId, relayId) as Row | undefined,
    );
  }

  async listRelays(siteId: string): Promise<RelayRow[]> {
    return (this.sql('SELECT * FROM relays WHERE site_id = ? ORDER BY relay_id').all(siteId) as Row[]).map(
      (r) => toRelay(r) as RelayRow,
    );
  }

  async removeRelay(siteId: string, relayId: string, audit: AuditEvent): Promise<boolean> {
    return this.immediate(() => {
      const removed =
        this.sql('DELETE FROM relays WHERE site_id = ? AND relay_id = ?').run(siteId, relayId).changes > 0;
      if (removed) this.audit(audit);
      return removed;
    });
  }

  async getRelaySend(requestId: string): Promise<RelaySendRow | undefined> {
    return toRelaySend(this.sql('SELECT * FROM relay_sends WHERE request_id = ?').get(requestId) as Row | undefined);
  }

  async getRelaySends(requestIds: string[]): Promise<RelaySendRow[]> {
    if (requestIds.length === 0) return [];
    const rows = this.sql('SELECT * FROM relay_sends WHERE request_id IN (SELECT value FROM json_each(?))').all(
      JSON.stringify(requestIds),
    ) as Row[];
    return rows.map((row) => toRelaySend(row) as RelaySendRow);
  }

  async beginRelaySend(
    requestId: string,
    relayId: string,
    now: number,
    staleBefore: number,
  ): Promise<{ previous: RelaySendState | undefined; attempt: number } | undefined> {
    return this.immediate(() => {
      const row = toRelaySend(
        this.sql('SELECT * FROM relay_sends WHERE request_id = ?').get(requestId) as Row | undefined,
      );
      if (!row) {
        this.sql(
          "INSERT INTO relay_sends (request_id, relay_id, state, kept, attempts, updated_at) VALUES (?, ?, 'sending', NULL, 1, ?)",
        ).run(requestId, relayId, now);
        return { previous: undefined, attempt: 1 };
      }
      const free =
        row.state === 'failed' || row.state === 'unknown' || (row.state === 'sending' && row.updatedAt < staleBefore);
      if (!free) return undefined;
      this.sql(
        "UPDATE relay_sends SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE request_id = ?",
      ).run(now, requestId);
      return { previous: row.state, attempt: row.attempts + 1 };
    });
  }

  async finishRelaySend(
    requestId: string,
    state: Exclude<RelaySendState, 'sending'>,
    kept: string | null,
    now: number,
    audit: AuditEvent,
  ): Promise<void> {
    this.immediate(() => {
      this.sql('UPDATE relay_sends SET state = ?, kept = ?, updated_at = ? WHERE request_id = ?').run(
        state,
        kept,
        now,
        requestId,
      );
      this.audit(audit);
    });
  }

  async closeRoom(siteId: string, roomId: string, now: number, audit: AuditEvent): Promise<string[]> {
    return this.immediate(() => {
      this.sql('INSERT INTO closed_rooms (site_id, room_id, closed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(
        siteId,
        roomId,
        now,
      );
      const ids = (
        this.sql('SELECT request_id FROM requests WHERE site_id = ? AND room_id = ?').all(siteId, roomId) as Row[]
      ).map((r) => String(r.request_id));
      this.sql(
        `UPDATE requests SET status = 'closed', finished_at = ?
        WHERE site_id = ? AND room_id = ? AND status IN ('pending', 'opened')`,
      ).run(now, siteId, roomId);
      this.sql(
        'DELETE FROM otks WHERE site_id = ? AND request_id IN (SELECT request_id FROM requests WHERE site_id = ? AND room_id = ?)',
      ).run(siteId, siteId, roomId);
      this.audit(audit);
      return ids;
    });
  }

  async expireDue(now: number, limit: number, audit: PendingAudit): Promise<RequestRow[]> {
    return this.immediate(() => {
      const due = (
        this.sql(
          `SELECT * FROM requests WHERE status IN ('pending', 'opened') AND expires_at <= ?
        ORDER BY expires_at LIMIT ?`,
        ).all(now, limit) as Row[]
      ).map((r) => toRequest(r) as RequestRow);
      for (const request of due) {
        this.sql("UPDATE requests SET status = 'expired', finished_at = ? WHERE request_id = ?").run(
          now,
          request.requestId,
        );
        this.sql('DELETE FROM otks WHERE request_id = ?').run(request.requestId);
        this.audit({ ...audit, siteId: request.siteId, requestId: request.requestId });
      }
      return due.map((r) => ({ ...r, status: 'expired' as const, finishedAt: now }));
    });
  }

  async findRequests(siteId: string, selector: VisitorSelector): Promise<RequestRow[]> {
    const [column, value] = selectorColumn(selector);
    return (
      this.sql(`SELECT * FROM requests WHERE site_id = ? AND ${column} = ? ORDER BY created_at, request_id`).all(
        siteId,
        value,
      ) as Row[]
    ).map((row) => toRequest(row) as RequestRow);
  }

  async eraseRequests(
    siteId: string,
    selector: VisitorSelector,
    audit: (erased: { requestIds: string[]; records: number; otks: number }) => AuditEvent,
  ): Promise<ErasureOutcome> {
    const [column, value] = selectorColumn(selector);
    const erased = this.immediate(() => {
      const requests = (
        this.sql(`SELECT * FROM requests WHERE site_id = ? AND ${column} = ? ORDER BY created_at, request_id`).all(
          siteId,
          value,
        ) as Row[]
      ).map((row) => toRequest(row) as RequestRow);
      let records = 0;
      let otks = 0;
      for (const { requestId } of requests) {
        // record_keys, event_claims and relay_sends go with their rows (ON DELETE CASCADE).
        records += this.sql('DELETE FROM records WHERE request_id = ?').run(requestId).changes;
        otks += this.sql('DELETE FROM otks WHERE request_id = ?').run(requestId).changes;
        this.sql('DELETE FROM requests WHERE request_id = ?').run(requestId);
      }
      this.audit(audit({ requestIds: requests.map((r) => r.requestId), records, otks }));
      return { requests, records, otks };
    });
    // The zeroed pages reach the main file and the WAL, which still holds the old page images, is emptied.
    return { ...erased, scrubbed: await this.truncateWal() };
  }

  /**
   * Checkpoints the whole WAL into the file and empties it. The background checkpointer may hold
   * the checkpoint lock for a moment (SQLite then answers busy at once, whatever the busy
   * timeout), so this tries again for a second.
   */
  private async truncateWal(): Promise<boolean> {
    const deadline = Date.now() + 1000;
    for (;;) {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (result?.busy === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(20);
    }
  }

  async purge(before: number, now: number, limit: number, audit: AuditEvent): Promise<PurgeCounts> {
    return this.immediate(() => {
      const ids = JSON.stringify(
        (
          this.sql('SELECT request_id FROM requests WHERE created_at < ? ORDER BY created_at LIMIT ?').all(
            before,
            limit,
          ) as Row[]
        ).map((row) => row.request_id),
      );
      const inBatch = 'request_id IN (SELECT value FROM json_each(?))';
      // Counted before the cascade takes them: a record can be younger than the cutoff, never its request.
      const records = this.sql(`DELETE FROM records WHERE ${inBatch}`).run(ids).changes;
      const requests = this.sql(`DELETE FROM requests WHERE ${inBatch}`).run(ids).changes;
      const otks = this.sql('DELETE FROM otks WHERE hash IN (SELECT hash FROM otks WHERE expires_at <= ? LIMIT ?)').run(
        now,
        limit,
      ).changes;
      const closedRooms = this.sql(
        `DELETE FROM closed_rooms WHERE (site_id, room_id) IN
        (SELECT site_id, room_id FROM closed_rooms WHERE closed_at < ? LIMIT ?)`,
      ).run(before, limit).changes;
      const counts = { records, requests, otks, closedRooms };
      this.audit({ ...audit, detail: JSON.stringify(counts) });
      return counts;
    });
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.immediate(() => this.audit(event));
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return (this.sql('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[]).map(
      toAudit,
    );
  }

  async auditHead(): Promise<{ seq: number; hash: string } | undefined> {
    const row = this.sql('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return row ? { seq: Number(row.seq), hash: String(row.hash) } : undefined;
  }

  async lastAuditSeqBefore(at: number): Promise<number | undefined> {
    const row = this.sql('SELECT MAX(seq) AS seq FROM audit WHERE at < ?').get(at) as Row;
    return row.seq === null ? undefined : Number(row.seq);
  }

  async appendCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    const result = this.sql(
      `INSERT OR IGNORE INTO audit_checkpoints (kind, seq, hash, at, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(checkpoint.kind, checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.keyId, checkpoint.signature);
    return result.changes === 1;
  }

  async readCheckpoints(afterSeq: number, limit: number): Promise<AuditCheckpoint[]> {
    const rows = this.sql('SELECT * FROM audit_checkpoints WHERE seq > ? ORDER BY seq, kind LIMIT ?').all(
      afterSeq,
      limit,
    );
    return (rows as Row[]).map(toCheckpoint);
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const row = this.sql('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1').get() as Row | undefined;
    return row ? toCheckpoint(row) : undefined;
  }

  async pruneAudit(throughSeq: number, audit: AuditEvent): Promise<number> {
    return this.immediate(() => {
      const deleted = this.sql('DELETE FROM audit WHERE seq <= ?').run(throughSeq).changes;
      this.audit(audit);
      return deleted;
    });
  }

  /**
   * Finishes the opened request of a live submit OTK (in time, its room open) as `status`, stores
   * what `store` stores (false: undo it all), consumes the OTK with the request's others, and
   * audits; all or nothing. One guarded update both finds the request and finishes it.
   */
  private finishOpened(
    submitHash: string,
    status: 'submitted' | 'cancelled',
    now: number,
    audit: PendingAudit,
    store: (request: RequestRow) => boolean,
  ): RequestRow | undefined {
    return this.immediateOr(undefined, () => {
      const request = toRequest(
        this.sql(
          `UPDATE requests SET status = ?, ${status === 'submitted' ? 'submitted_at' : 'finished_at'} = ?
          WHERE request_id = (SELECT request_id FROM otks WHERE hash = ? AND purpose = 'submit' AND expires_at > ?)
          AND status = 'opened' AND expires_at > ? AND ${ROOM_OPEN} RETURNING *`,
        ).get(status, now, submitHash, now, now) as Row | undefined,
      );
      if (!request) return undefined;
      if (!store(request)) throw new Rollback();
      const consumed = this.sql('DELETE FROM otks WHERE request_id = ? RETURNING hash').all(request.requestId) as Row[];
      if (!consumed.some((row) => row.hash === submitHash)) throw new Rollback();
      this.audit({ ...audit, siteId: request.siteId, requestId: request.requestId });
      return request;
    });
  }

  private consume(hash: string, purpose: OtkPurpose, now: number): OtkRow | undefined {
    return toOtk(
      this.sql('DELETE FROM otks WHERE hash = ? AND purpose = ? AND expires_at > ? RETURNING *').get(
        hash,
        purpose,
        now,
      ) as Row | undefined,
    );
  }

  private roomClosed(siteId: string, roomId: string): boolean {
    return this.sql('SELECT 1 FROM closed_rooms WHERE site_id = ? AND room_id = ?').get(siteId, roomId) !== undefined;
  }

  private nextKeyGeneration(): void {
    this.sql('UPDATE key_generation SET generation = generation + 1 WHERE id = 1').run();
  }

  private insertKey(key: SiteKeyRow): void {
    this.sql('INSERT INTO site_keys (site_id, kid, wrapped_key, created_at, active) VALUES (?, ?, ?, ?, ?)').run(
      key.siteId,
      key.kid,
      key.wrappedKey,
      key.createdAt,
      key.active ? 1 : 0,
    );
  }

  private insertOtkRow(otk: OtkRow): void {
    this.sql(
      'INSERT INTO otks (hash, purpose, site_id, request_id, agent_id, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(otk.hash, otk.purpose, otk.siteId, otk.requestId, otk.agentId, otk.expiresAt);
  }

  /**
   * Runs `work` in a BEGIN IMMEDIATE transaction, so it never has to upgrade a read lock (a savepoint
   * when already inside one); what `work` throws rolls it back.
   */
  private immediate<T>(work: () => T): T {
    return this.transactional.immediate(work) as T;
  }

  /** As immediate(), but a `Rollback` thrown by `work` undoes it and answers `refused`. */
  private immediateOr<T, R>(refused: R, work: () => T): T | R {
    try {
      return this.immediate(work);
    } catch (error) {
      if (error instanceof Rollback) return refused;
      throw error;
    }
  }

  /** The statement for `text`, compiled on first use and reused for the connection's life. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Appends one audit entry linked to the last one; only called inside a transaction. */
  private audit(event: AuditEvent): void {
    // After retention pruned every entry, the chain goes on from its prune checkpoint.
    const last = (this.sql('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() ??
      this.sql("SELECT seq, hash FROM audit_checkpoints WHERE kind = 'prune' ORDER BY seq DESC LIMIT 1").get()) as
      { seq: number; hash: string } | undefined;
    const entry = linkEntry(last, event);
    this.sql(
      `INSERT INTO audit (seq, at, site_id, actor, action, request_id, detail, prev_hash, hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      entry.seq,
      entry.at,
      entry.siteId,
      entry.actor,
      entry.action,
      entry.requestId,
      entry.detail,
      entry.prevHash,
      entry.hash,
    );
  }
}

/** Thrown inside a transaction to undo it when a state check fails after the OTK was consumed. */
class Rollback extends Error {}

/** A condition on a `requests` row: its room was not closed. */
const ROOM_OPEN =
  'NOT EXISTS (SELECT 1 FROM closed_rooms c WHERE c.site_id = requests.site_id AND c.room_id = requests.room_id)';

export interface SqliteCopy {
  pages: number;
  bytes: number;
}

/**
 * Copies the vault database `file` into the new file `destination` (0600) with SQLite's online
 * backup API, while the server may keep writing. All pages go in one step, inside one read
 * snapshot: the copy is consistent, and writers in other processes (WAL) neither wait for it nor
 * make it start over.
 */
export async function backupSqlite(file: string, destination: string): Promise<SqliteCopy> {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    ensurePrivateFile(destination);
    const copied = await db.backup(destination, { progress: () => 0x7fffffff });
    return { pages: copied.totalPages, bytes: fs.statSync(destination).size };
  } finally {
    db.close();
  }
}

/** Why `file` is not a whole vault database (integrity check, the vault's tables), or undefined. */
export function checkSqliteBackup(file: string): string | undefined {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') return `the integrity check says: ${String(integrity)}`;
    const tables = ['schema_migrations', 'sites', 'site_keys', 'records', 'audit'].filter(
      (name) => !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name),
    );
    return tables.length ? `it is not a vault database (no table ${tables.join(', ')})` : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    db.close();
  }
}
