import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type PoolClient, type QueryConfig, type QueryResult } from 'pg';
import { errorCode, postgresSchemaOf, redactUrl } from '../connection-url';
import { ConfigError, DuplicateError, StorageUnavailableError } from '../errors';
import { linkEntry, type AuditCheckpoint, type AuditEntry, type AuditEvent } from './audit-chain';
import { POSTGRES_MIGRATIONS } from './postgres-schema';
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

export interface PostgresOptions {
  /** Pool size per vault instance. */
  poolMax?: number;
  /** How long to wait for a connection before answering "unavailable". */
  connectTimeoutMs?: number;
  /** How long one statement may take before the connection is given up as broken. */
  queryTimeoutMs?: number;
  /** Told about connections that broke while idle (no secrets in the fields). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

type Query = (sql: string, params?: unknown[]) => Promise<QueryResult<Row>>;
/** A statement runner inside one transaction, for whole-table work (`vault:cli migrate`). */
export type RawQuery = Query;

/** `?schema=` in the URL: lower-case so the unquoted `search_path` and the quoted DDL agree. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** First half of the advisory lock key that serializes migrations (the second is the schema's hash). */
const MIGRATION_LOCK = 0x1d5f_0001;
/**
 * First half of the advisory lock key of a room (the second is a hash of schema, site and room):
 * creates take it shared, a close exclusively, so no create can pass its room check on a snapshot
 * taken before a close committed and then land after the close's update (a phantom request left
 * live in a closed room). SQLite needs none: its write transactions never overlap.
 */
const ROOM_LOCK = 0x1d5f_0002;
/** Deadlocks and serialization failures are retried this many times in all. */
const ATTEMPTS = 4;

/** PostgreSQL's answers no retry changes: no such database, authentication refused, a bad `options` setting. */
const REFUSED_FOR_GOOD = new Set(['3D000', '28P01', '28000', '22023', '42704']);
/** A file the URL names (sslrootcert, sslcert, sslkey) that cannot be read: node-postgres reads them on connect. */
const FILE_UNREADABLE = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR']);
/**
 * Node's refusals of the server's certificate (sslmode verify-ca/verify-full, or require with a
 * CA): OpenSSL's verify errors and Node's own name checks. No retry changes those either.
 */
const CERTIFICATE_REFUSED =
  /^(?:CERT_\w+|UNABLE_TO_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)$/;
/** node-postgres's words when the URL asks for TLS and the server has none. */
const NO_TLS = /^The server does not support SSL connections$/;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const NETWORK_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable|Cannot use a pool after calling end/i;

/**
 * PostgreSQL storage for several vault instances on one database. Mirrors `SqliteStorage`'s
 * semantics step for step; what SQLite gets from its single writer, this gets from row locks:
 * - every method is one transaction on one pooled connection (BEGIN … COMMIT, ROLLBACK on failure);
 * - open/submit/cancel lock the request row before consuming the OTK, in the same order as
 *   close and expiry (request rows, then OTKs, then the audit head), so they serialize cleanly;
 * - every audit append locks the single `audit_head` row, so the chain never forks;
 * - a dropped or refused connection becomes `StorageUnavailableError` (a 503), and a transaction
 *   that did not commit left nothing behind.
 */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  /** The schema holding the vault's tables. */
  readonly schema: string;
  /** The URL without its password, for messages. */
  readonly where: string;
  private readonly pool: Pool;
  private readonly warn: (message: string, fields: Record<string, unknown>) => void;

  constructor(databaseUrl: string, options: PostgresOptions = {}) {
    this.where = redactUrl(databaseUrl);
    const url = new URL(databaseUrl);
    this.schema = postgresSchemaOf(url);
    if (!SCHEMA_NAME.test(this.schema)) {
      throw new ConfigError(
        'VAULT_DATABASE_URL',
        '?schema= must be a lower-case name of letters, digits and "_" (at most 63)',
      );
    }
    // The URL's own `options` would override ours, so both are merged into one.
    const extraOptions = url.searchParams.get('options');
    url.searchParams.delete('schema');
    url.searchParams.delete('options');
    this.pool = new Pool({
      connectionString: url.toString(),
      options: [`-c search_path=${this.schema}`, extraOptions].filter(Boolean).join(' '),
      application_name: 'idv-vault',
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      query_timeout: options.queryTimeoutMs ?? 15000,
      idleTimeoutMillis: 30000,
      keepAlive: true,
    });
    this.warn = (message, fields) => options.warn?.(message, fields);
    // An idle connection that breaks is dropped by the pool; without a listener it would crash the process.
    this.pool.on('error', (error) =>
      options.warn?.('a PostgreSQL connection broke while idle', { code: errorCode(error) }),
    );
  }

  /**
   * Applies the migrations at start-up. A database that refuses this URL for good (no such
   * database, a wrong password, no TLS where the URL asks for it, a certificate Node refuses) is a
   * configuration error naming
   * VAULT_DATABASE_URL, not a failure to retry.
   */
  async migrate(): Promise<void> {
    try {
      await this.applyMigrations();
    } catch (error) {
      const code = errorCode(error);
      const message = (error as { message?: unknown }).message;
      // A connection cut during the TLS handshake says nothing for good: a failure to start, not of config.
      const refused =
        REFUSED_FOR_GOOD.has(code ?? '') ||
        CERTIFICATE_REFUSED.test(code ?? '') ||
        (typeof message === 'string' && NO_TLS.test(message));
      const file = (error as { path?: unknown }).path;
      if (FILE_UNREADABLE.has(code ?? '') && typeof file === 'string')
        throw new ConfigError('VAULT_DATABASE_URL', `it names a file that cannot be read: ${file} (${code}).`);
      if (!refused || typeof message !== 'string') throw error;
      throw new ConfigError('VAULT_DATABASE_URL', `PostgreSQL at ${this.where} refused it: ${message.slice(0, 200)}.`);
    }
  }

  private async applyMigrations(): Promise<void> {
    await this.transaction(async (q) => {
      // Two instances starting at once: the second waits here, then finds everything applied.
      await q('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, this.schema]);
      const exists = await q('SELECT 1 FROM pg_namespace WHERE nspname = $1', [this.schema]);
      if (exists.rowCount === 0) await q(`CREATE SCHEMA "${this.schema}"`);
      // Not "schema_migrations": a database shared with other software may already have one.
      await q('CREATE TABLE IF NOT EXISTS vault_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const applied = new Set((await q('SELECT version FROM vault_migrations')).rows.map((r) => Number(r.version)));
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await q(migration.sql);
        await q('INSERT INTO vault_migrations (version, applied_at) VALUES ($1, $2)', [migration.version, Date.now()]);
      }
    });
  }

  /** Whether the schema already holds the vault's tables (migrations were applied once). */
  async initialized(): Promise<boolean> {
    const found = await this.query("SELECT to_regclass('vault_migrations') IS NOT NULL AS present");
    return found.rows[0]?.present === true;
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  /**
   * Runs `work` with raw SQL in one transaction on the vault's schema. Only for copying whole
   * tables in (`vault:cli migrate`, storage/copy-sqlite-to-postgres.ts); services use the methods.
   * Unnamed: the copy's statements are built for each batch, and a connection would keep them all.
   */
  async rawTransaction<T>(work: (q: RawQuery) => Promise<T>): Promise<T> {
    return this.transaction(work, { named: false });
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  async addSite(site: SiteRow, key: SiteKeyRow, audit: AuditEvent): Promise<void> {
    try {
      await this.transaction(async (q) => {
        await q(
          'INSERT INTO sites (site_id, origin, api_key_id, api_key_hash, created_at) VALUES ($1, $2, $3, $4, $5)',
          [site.siteId, site.origin, site.apiKeyId, site.apiKeyHash, site.createdAt],
        );
        await insertKey(q, key);
        await appendEntry(q, audit);
      });
    } catch (error) {
      if (errorCode(error) === '23505') throw new DuplicateError(`Site "${site.siteId}"`);
      throw error;
    }
  }

  async getSite(siteId: string): Promise<SiteRow | undefined> {
    return toSite((await this.query('SELECT * FROM sites WHERE site_id = $1', [siteId])).rows[0]);
  }

  async findSiteByKeyId(apiKeyId: string): Promise<SiteRow | undefined> {
    return toSite((await this.query('SELECT * FROM sites WHERE api_key_id = $1', [apiKeyId])).rows[0]);
  }

  async listSites(): Promise<SiteRow[]> {
    return (await this.query('SELECT * FROM sites ORDER BY site_id')).rows.map((r) => toSite(r) as SiteRow);
  }

  async removeSite(siteId: string, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      // Keys first: once they are gone every token of the site is unreadable, wherever copies sit.
      await q('DELETE FROM site_keys WHERE site_id = $1', [siteId]);
      // Requests before OTKs, the lock order of every other writer; their OTKs and records cascade.
      await q('DELETE FROM requests WHERE site_id = $1', [siteId]);
      await q('DELETE FROM otks WHERE site_id = $1', [siteId]);
      await q('DELETE FROM records WHERE site_id = $1', [siteId]);
      await q('DELETE FROM closed_rooms WHERE site_id = $1', [siteId]);
      const removed = ((await q('DELETE FROM sites WHERE site_id = $1', [siteId])).rowCount ?? 0) > 0;
      if (removed) {
        await nextKeyGeneration(q);
        await appendEntry(q, audit);
      }
      return removed;
    });
  }

  async getActiveSiteKey(siteId: string): Promise<SiteKeyRow | undefined> {
    return toKey(
      (
        await this.query('SELECT * FROM site_keys WHERE site_id = $1 AND active ORDER BY created_at DESC LIMIT 1', [
          siteId,
        ])
      ).rows[0],
    );
  }

  async getSiteKey(siteId: string, kid: string): Promise<SiteKeyRow | undefined> {
    return toKey((await this.query('SELECT * FROM site_keys WHERE site_id = $1 AND kid = $2', [siteId, kid])).rows[0]);
  }

  async keyGeneration(): Promise<number> {
    return Number((await this.query('SELECT generation FROM key_generation WHERE id = 1')).rows[0].generation);
  }

  async replaceApiKey(siteId: string, apiKeyId: string, apiKeyHash: string, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      const result = await q('UPDATE sites SET api_key_id = $1, api_key_hash = $2 WHERE site_id = $3', [
        apiKeyId,
        apiKeyHash,
        siteId,
      ]);
      if (result.rowCount === 0) return false;
      await appendEntry(q, audit);
      return true;
    });
  }

  async rotateSiteKey(key: SiteKeyRow, audit: AuditEvent): Promise<void> {
    await this.transaction(async (q) => {
      // Two instances rotating at once take turns here, so exactly one key stays active.
      await q('SELECT 1 FROM sites WHERE site_id = $1 FOR UPDATE', [key.siteId]);
      await q('UPDATE site_keys SET active = FALSE WHERE site_id = $1', [key.siteId]);
      await insertKey(q, key);
      await nextKeyGeneration(q);
      await appendEntry(q, audit);
    });
  }

  async createRequest(request: RequestRow, openOtk: OtkRow, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      // The check reads closed_rooms after the lock: a close either committed before it or waits for this.
      await this.lockRoom(q, request.siteId, request.roomId, 'shared');
      const inserted = await q(
        `INSERT INTO requests (request_id, site_id, kind, room_id, agent_id, visitor_token, locale, callback_url, spec,
          status, created_at, opened_at, submitted_at, finished_at, viewed_at, expires_at)
        SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
        WHERE NOT EXISTS (SELECT 1 FROM closed_rooms WHERE site_id = $2 AND room_id = $4)`,
        [
          request.requestId,
          request.siteId,
          request.kind,
          request.roomId,
          request.agentId,
          request.visitorToken,
          request.locale,
          request.callbackUrl,
          request.spec,
          request.status,
          request.createdAt,
          request.openedAt,
          request.submittedAt,
          request.finishedAt,
          request.viewedAt,
          request.expiresAt,
        ],
      );
      if ((inserted.rowCount ?? 0) === 0) return false;
      await insertOtkRow(q, openOtk);
      await appendEntry(q, audit);
      return true;
    });
  }

  async getRequest(requestId: string): Promise<RequestRow | undefined> {
    return toRequest((await this.query('SELECT * FROM requests WHERE request_id = $1', [requestId])).rows[0]);
  }

  async listRoomRequests(siteId: string, roomId: string, limit: number): Promise<RequestRow[]> {
    const newest = await this.query(
      'SELECT * FROM requests WHERE site_id = $1 AND room_id = $2 ORDER BY created_at DESC, request_id DESC LIMIT $3',
      [siteId, roomId, limit],
    );
    return newest.rows.reverse().map((r) => toRequest(r) as RequestRow);
  }

  async isRoomClosed(siteId: string, roomId: string): Promise<boolean> {
    return roomClosed((sql, params) => this.query(sql, params), siteId, roomId);
  }

  async getRecord(requestId: string): Promise<RecordRow | undefined> {
    return toRecord(
      (
        await this.query(
          'SELECT r.*, k.wrapped_key FROM records r LEFT JOIN record_keys k ON k.record_id = r.record_id WHERE r.request_id = $1',
          [requestId],
        )
      ).rows[0],
    );
  }

  async peekOtk(hash: string, purpose: OtkPurpose, now: number): Promise<OtkRow | undefined> {
    return toOtk(
      (
        await this.query('SELECT * FROM otks WHERE hash = $1 AND purpose = $2 AND expires_at > $3', [
          hash,
          purpose,
          now,
        ])
      ).rows[0],
    );
  }

  async insertOtk(otk: OtkRow, audit: AuditEvent): Promise<void> {
    await this.transaction(async (q) => {
      await insertOtkRow(q, otk);
      await appendEntry(q, audit);
    });
  }

  async findDetokenizeTarget(
    hash: string,
    siteId: string,
    agentId: string,
    now: number,
  ): Promise<DetokenizeTarget | undefined> {
    return toDetokenizeTarget(
      (
        await this.query(
          `SELECT r.request_id, r.site_id, r.agent_id, r.room_id, r.status, r.spec,
            EXISTS (SELECT 1 FROM closed_rooms c WHERE c.site_id = r.site_id AND c.room_id = r.room_id) AS room_closed,
            rec.record_id, rec.kid, rec.token, rec.created_at AS record_created_at, k.wrapped_key,
          (SELECT generation FROM key_generation WHERE id = 1) AS key_generation
          FROM otks o
          JOIN requests r ON r.request_id = o.request_id
          LEFT JOIN records rec ON rec.request_id = r.request_id
          LEFT JOIN record_keys k ON k.record_id = rec.record_id
          WHERE o.hash = $1 AND o.purpose = 'detokenize' AND o.site_id = $2 AND o.agent_id = $3 AND o.expires_at > $4`,
          [hash, siteId, agentId, now],
        )
      ).rows[0],
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
    try {
      return await this.transaction(async (q) => {
        // Request row first, then the OTK: the lock order of every other writer. Of concurrent
        // redemptions, the first to commit consumes the OTK; the others find it gone and roll back.
        const viewed = await q(
          `UPDATE requests SET viewed_at = $1 WHERE request_id = $2 AND site_id = $3 AND agent_id = $4
          AND status = 'submitted' AND ${ROOM_OPEN}`,
          [now, requestId, siteId, agentId],
        );
        if (viewed.rowCount === 0) return false;
        const consumed = await q(
          `DELETE FROM otks WHERE hash = $1 AND purpose = 'detokenize' AND site_id = $2 AND agent_id = $3
          AND request_id = $4 AND expires_at > $5`,
          [hash, siteId, agentId, requestId, now],
        );
        if (consumed.rowCount === 0) throw new Rollback();
        await appendEntry(q, audit);
        return true;
      });
    } catch (error) {
      if (error instanceof Rollback) return false;
      throw error;
    }
  }

  async openRequest(
    openHash: string,
    submitOtk: Pick<OtkRow, 'hash' | 'expiresAt'>,
    now: number,
    audit: PendingAudit,
  ): Promise<RequestRow | undefined> {
    return this.transaction(async (q) => {
      const request = await lockRequestOf(q, openHash, 'open');
      const otk = await consume(q, openHash, 'open', now);
      if (!otk || !request || otk.requestId !== request.requestId) return undefined;
      // As in SQLite, a link to a request that can no longer open is used up all the same.
      if (
        request.status !== 'pending' ||
        request.expiresAt <= now ||
        (await roomClosed(q, request.siteId, request.roomId))
      )
        return undefined;
      await q("UPDATE requests SET status = 'opened', opened_at = $1, expires_at = $2 WHERE request_id = $3", [
        now,
        submitOtk.expiresAt,
        request.requestId,
      ]);
      await insertOtkRow(q, {
        hash: submitOtk.hash,
        expiresAt: submitOtk.expiresAt,
        purpose: 'submit',
        siteId: request.siteId,
        requestId: request.requestId,
        agentId: null,
      });
      await appendEntry(q, { ...audit, siteId: request.siteId, requestId: request.requestId });
      return { ...request, status: 'opened' as const, openedAt: now, expiresAt: submitOtk.expiresAt };
    });
  }

  async findPreviewTarget(hash: string, now: number): Promise<PreviewTarget | undefined> {
    return toPreviewTarget(
      (
        await this.query(
          `SELECT r.site_id, r.kind, r.locale, r.spec::json ->> 'title' AS title,
          b.display_name, b.accent_colour, b.logo_sha256, b.logo_width, b.logo_height, b.updated_at
        FROM otks o
        JOIN requests r ON r.request_id = o.request_id
        LEFT JOIN site_brands b ON b.site_id = r.site_id
        WHERE o.hash = $1 AND o.purpose = 'open' AND o.expires_at > $2 AND r.status = 'pending' AND r.expires_at > $2
          AND NOT EXISTS (SELECT 1 FROM closed_rooms c WHERE c.site_id = r.site_id AND c.room_id = r.room_id)`,
          [hash, now],
        )
      ).rows[0],
    );
  }

  async findSubmitTarget(hash: string, now: number): Promise<SubmitTarget | undefined> {
    return toSubmitTarget(
      (
        await this.query(
          `SELECT r.request_id, r.site_id, r.kind, r.locale, r.spec, r.expires_at,
          (SELECT generation FROM key_generation WHERE id = 1) AS key_generation
        FROM otks o
          JOIN requests r ON r.request_id = o.request_id
          WHERE o.hash = $1 AND o.purpose = 'submit' AND o.expires_at > $2 AND r.status = 'opened' AND r.expires_at > $2`,
          [hash, now],
        )
      ).rows[0],
    );
  }

  async submitRequest(
    submitHash: string,
    requestId: string,
    record: RecordRow | null,
    now: number,
    audit: PendingAudit,
  ): Promise<RequestRow | undefined> {
    return this.finishOpened(submitHash, 'submitted', now, audit, async (q, request) => {
      if (request.requestId !== requestId) return false;
      if (!record) return true;
      const values = [record.recordId, record.requestId, record.siteId, record.kid, record.token, record.createdAt];
      const insertRecord =
        'INSERT INTO records (record_id, request_id, site_id, kid, token, created_at) VALUES ($1, $2, $3, $4, $5, $6)';
      if (!record.wrappedKey) await q(insertRecord, values);
      // The record and its key in one statement (the key's foreign key is checked at its end).
      else
        await q(`WITH stored AS (${insertRecord}) INSERT INTO record_keys (record_id, wrapped_key) VALUES ($1, $7)`, [
          ...values,
          record.wrappedKey,
        ]);
      return true;
    });
  }

  async cancelRequest(submitHash: string, now: number, audit: PendingAudit): Promise<RequestRow | undefined> {
    return this.finishOpened(submitHash, 'cancelled', now, audit, async () => true);
  }

  async openViewer(
    linkHash: string,
    session: Pick<OtkRow, 'hash' | 'expiresAt'>,
    now: number,
    audit: PendingAudit,
  ): Promise<{ request: RequestRow; session: OtkRow } | undefined> {
    return this.transaction(async (q) => {
      // Request row first, then the OTK: the lock order of every other writer.
      const request = toRequest(
        (
          await q(
            `SELECT r.* FROM requests r WHERE r.request_id =
            (SELECT request_id FROM otks WHERE hash = $1 AND purpose IN ('view', 'manager_view')) FOR UPDATE`,
            [linkHash],
          )
        ).rows[0],
      );
      const link = toOtk(
        (
          await q(
            `DELETE FROM otks WHERE hash = $1 AND purpose IN ('view', 'manager_view') AND expires_at > $2 RETURNING *`,
            [linkHash, now],
          )
        ).rows[0],
      );
      if (!link || !request || link.requestId !== request.requestId) return undefined;
      if (request.status !== 'submitted' || (await roomClosed(q, request.siteId, request.roomId))) return undefined;
      const row: OtkRow = {
        ...session,
        purpose: VIEWER_SESSION_OF[link.purpose as ViewerLinkPurpose],
        siteId: link.siteId,
        requestId: link.requestId,
        agentId: link.agentId,
      };
      await insertOtkRow(q, row);
      await q('UPDATE requests SET viewed_at = $1 WHERE request_id = $2', [now, request.requestId]);
      await appendEntry(q, { ...audit, siteId: request.siteId, requestId: request.requestId });
      return { request: { ...request, viewedAt: now }, session: row };
    });
  }

  async endViewerSession(hash: string, now: number, audit: PendingAudit): Promise<OtkRow | undefined> {
    return this.transaction(async (q) => {
      const ended = toOtk(
        (
          await q(
            `DELETE FROM otks WHERE hash = $1 AND purpose IN ('view_session', 'manager_session') AND expires_at > $2
            RETURNING *`,
            [hash, now],
          )
        ).rows[0],
      );
      if (ended) await appendEntry(q, { ...audit, siteId: ended.siteId, requestId: ended.requestId });
      return ended;
    });
  }

  async claimEvent(requestId: string, event: string, now: number): Promise<boolean> {
    const result = await this.query(
      'INSERT INTO event_claims (request_id, event, claimed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [requestId, event, now],
    );
    return (result.rowCount ?? 0) === 1;
  }

  async getSitePolicy(siteId: string, policy: SitePolicy): Promise<boolean> {
    // The column is the policy's name, one of SITE_POLICIES' keys, never the caller's text.
    const row = (await this.query(`SELECT ${policy} AS enabled FROM site_policies WHERE site_id = $1`, [siteId]))
      .rows[0];
    return row === undefined ? SITE_POLICIES[policy].byDefault : row.enabled === true;
  }

  async setSitePolicy(siteId: string, policy: SitePolicy, enabled: boolean, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      if (((await q('SELECT 1 FROM sites WHERE site_id = $1 FOR UPDATE', [siteId])).rowCount ?? 0) === 0) return false;
      await q(
        `INSERT INTO site_policies (site_id, ${policy}, updated_at) VALUES ($1, $2, $3)
        ON CONFLICT (site_id) DO UPDATE SET ${policy} = EXCLUDED.${policy}, updated_at = EXCLUDED.updated_at`,
        [siteId, enabled, audit.at],
      );
      await appendEntry(q, audit);
      return true;
    });
  }

  async getBrand(siteId: string): Promise<SiteBrandRow | undefined> {
    const row = (
      await this.query(
        'SELECT site_id, display_name, accent_colour, logo_sha256, logo_width, logo_height, updated_at FROM site_brands WHERE site_id = $1',
        [siteId],
      )
    ).rows[0];
    return row ? toBrand(row) : undefined;
  }

  async setBrand(siteId: string, brand: SiteBrandRow | null, logo: Buffer | null, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      if (((await q('SELECT 1 FROM sites WHERE site_id = $1 FOR UPDATE', [siteId])).rowCount ?? 0) === 0) return false;
      await q('DELETE FROM site_brands WHERE site_id = $1', [siteId]);
      if (brand) {
        await q(
          `INSERT INTO site_brands (site_id, display_name, accent_colour, logo, logo_sha256, logo_width, logo_height, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            siteId,
            brand.displayName,
            brand.accentColour,
            brand.logo ? logo : null,
            brand.logo?.sha256 ?? null,
            brand.logo?.width ?? null,
            brand.logo?.height ?? null,
            brand.updatedAt,
          ],
        );
      }
      await appendEntry(q, audit);
      return true;
    });
  }

  async getLogo(sha256: string): Promise<Buffer | undefined> {
    const row = (
      await this.query('SELECT logo FROM site_brands WHERE logo_sha256 = $1 AND logo IS NOT NULL LIMIT 1', [sha256])
    ).rows[0] as { logo: Buffer } | undefined;
    return row ? Buffer.from(row.logo) : undefined;
  }

  async putRelay(relay: RelayRow, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      if (((await q('SELECT 1 FROM sites WHERE site_id = $1 FOR UPDATE', [relay.siteId])).rowCount ?? 0) === 0)
        return false;
      await q(
        `INSERT INTO relays (site_id, relay_id, config, sealed_secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (site_id, relay_id) DO UPDATE SET config = EXCLUDED.config,
          sealed_secret = EXCLUDED.sealed_secret, updated_at = EXCLUDED.updated_at`,
        [relay.siteId, relay.relayId, relay.config, relay.sealedSecret, relay.createdAt, relay.updatedAt],
      );
      await appendEntry(q, audit);
      return true;
    });
  }

  async getRelay(siteId: string, relayId: string): Promise<RelayRow | undefined> {
    return toRelay(
      (await this.query('SELECT * FROM relays WHERE site_id = $1 AND relay_id = $2', [siteId, relayId])).rows[0],
    );
  }

  async listRelays(siteId: string): Promise<RelayRow[]> {
    return (await this.query('SELECT * FROM relays WHERE site_id = $1 ORDER BY relay_id', [siteId])).rows.map(
      (r) => toRelay(r) as RelayRow,
    );
  }

  async removeRelay(siteId: string, relayId: string, audit: AuditEvent): Promise<boolean> {
    return this.transaction(async (q) => {
      const removed =
        ((await q('DELETE FROM relays WHERE site_id = $1 AND relay_id = $2', [siteId, relayId])).rowCount ?? 0) > 0;
      if (removed) await appendEntry(q, audit);
      return removed;
    });
  }

  async getRelaySend(requestId: string): Promise<RelaySendRow | undefined> {
    return toRelaySend((await this.query('SELECT * FROM relay_sends WHERE request_id = $1', [requestId])).rows[0]);
  }

  async getRelaySends(requestIds: string[]): Promise<RelaySendRow[]> {
    if (requestIds.length === 0) return [];
    const { rows } = await this.query('SELECT * FROM relay_sends WHERE request_id = ANY($1)', [requestIds]);
    return rows.map((row) => toRelaySend(row) as RelaySendRow);
  }

  async beginRelaySend(
    requestId: string,
    relayId: string,
    now: number,
    staleBefore: number,
  ): Promise<{ previous: RelaySendState | undefined; attempt: number } | undefined> {
    return this.transaction(async (q) => {
      // The request row's lock serializes two senders of one request, as open/submit do.
      await q('SELECT 1 FROM requests WHERE request_id = $1 FOR UPDATE', [requestId]);
      const row = toRelaySend((await q('SELECT * FROM relay_sends WHERE request_id = $1', [requestId])).rows[0]);
      if (!row) {
        await q(
          "INSERT INTO relay_sends (request_id, relay_id, state, kept, attempts, updated_at) VALUES ($1, $2, 'sending', NULL, 1, $3)",
          [requestId, relayId, now],
        );
        return { previous: undefined, attempt: 1 };
      }
      const free =
        row.state === 'failed' || row.state === 'unknown' || (row.state === 'sending' && row.updatedAt < staleBefore);
      if (!free) return undefined;
      await q(
        "UPDATE relay_sends SET state = 'sending', attempts = attempts + 1, updated_at = $1 WHERE request_id = $2",
        [now, requestId],
      );
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
    await this.transaction(async (q) => {
      await q('UPDATE relay_sends SET state = $1, kept = $2, updated_at = $3 WHERE request_id = $4', [
        state,
        kept,
        now,
        requestId,
      ]);
      await appendEntry(q, audit);
    });
  }

  async closeRoom(siteId: string, roomId: string, now: number, audit: AuditEvent): Promise<string[]> {
    return this.transaction(async (q) => {
      // Waits for creates in this room under way, so the update below closes their requests too.
      await this.lockRoom(q, siteId, roomId, 'exclusive');
      await q('INSERT INTO closed_rooms (site_id, room_id, closed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        siteId,
        roomId,
        now,
      ]);
      const ids = (
        await q('SELECT request_id FROM requests WHERE site_id = $1 AND room_id = $2', [siteId, roomId])
      ).rows.map((r) => String(r.request_id));
      await q(
        `UPDATE requests SET status = 'closed', finished_at = $1
        WHERE site_id = $2 AND room_id = $3 AND status IN ('pending', 'opened')`,
        [now, siteId, roomId],
      );
      await q(
        'DELETE FROM otks WHERE site_id = $1 AND request_id IN (SELECT request_id FROM requests WHERE site_id = $1 AND room_id = $2)',
        [siteId, roomId],
      );
      await appendEntry(q, audit);
      return ids;
    });
  }

  async expireDue(now: number, limit: number, audit: PendingAudit): Promise<RequestRow[]> {
    return this.transaction(async (q) => {
      // SKIP LOCKED: instances sweeping at once split the work instead of expiring a request twice.
      const due = (
        await q(
          `SELECT * FROM requests WHERE status IN ('pending', 'opened') AND expires_at <= $1
        ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [now, limit],
        )
      ).rows.map((r) => toRequest(r) as RequestRow);
      if (due.length === 0) return [];
      const ids = due.map((r) => r.requestId);
      await q("UPDATE requests SET status = 'expired', finished_at = $1 WHERE request_id = ANY($2)", [now, ids]);
      await q('DELETE FROM otks WHERE request_id = ANY($1)', [ids]);
      for (const request of due) {
        await appendEntry(q, { ...audit, siteId: request.siteId, requestId: request.requestId });
      }
      return due.map((r) => ({ ...r, status: 'expired' as const, finishedAt: now }));
    });
  }

  async findRequests(siteId: string, selector: VisitorSelector): Promise<RequestRow[]> {
    const [column, value] = selectorColumn(selector);
    return (
      await this.query(`SELECT * FROM requests WHERE site_id = $1 AND ${column} = $2 ORDER BY created_at, request_id`, [
        siteId,
        value,
      ])
    ).rows.map((row) => toRequest(row) as RequestRow);
  }

  async eraseRequests(
    siteId: string,
    selector: VisitorSelector,
    audit: (erased: { requestIds: string[]; records: number; otks: number }) => AuditEvent,
  ): Promise<ErasureOutcome> {
    const [column, value] = selectorColumn(selector);
    const erased = await this.transaction(async (q) => {
      const requests = (
        await q(
          `SELECT * FROM requests WHERE site_id = $1 AND ${column} = $2 ORDER BY created_at, request_id FOR UPDATE`,
          [siteId, value],
        )
      ).rows.map((row) => toRequest(row) as RequestRow);
      const ids = requests.map((r) => r.requestId);
      // Records written before migration 6 carry their key inside the token: vacuuming record_keys
      // cannot make what lingers of them unreadable, so the outcome must not say it did.
      const [{ n: keyInToken }] = (
        await q(
          `SELECT count(*)::int AS n FROM records r WHERE r.request_id = ANY($1)
             AND NOT EXISTS (SELECT 1 FROM record_keys k WHERE k.record_id = r.record_id)`,
          [ids],
        )
      ).rows;
      // record_keys, event_claims and relay_sends go with their rows (ON DELETE CASCADE).
      const records = (await q('DELETE FROM records WHERE request_id = ANY($1)', [ids])).rowCount ?? 0;
      const otks = (await q('DELETE FROM otks WHERE request_id = ANY($1)', [ids])).rowCount ?? 0;
      await q('DELETE FROM requests WHERE request_id = ANY($1)', [ids]);
      await appendEntry(q, audit({ requestIds: ids, records, otks }));
      const [{ xid }] = (await q('SELECT txid_current()::text AS xid')).rows;
      return { requests, records, otks, xid: String(xid), keyInToken: Number(keyInToken) };
    });
    // Deleted rows stay in the table's files until vacuumed; rewriting the narrow key table drops
    // the erased records' keys from them, so the ciphertext that lingers in \`records\` has none.
    // A rewrite keeps rows an older snapshot may still see: wait for those transactions to end.
    let scrubbed = erased.records === 0;
    if (!scrubbed) {
      try {
        if (await this.olderSnapshotsEnded(erased.xid, ERASURE_WAIT_MS)) {
          await this.query('VACUUM FULL record_keys');
          scrubbed = erased.keyInToken === 0;
          if (!scrubbed) this.warn('erased records from before migration 6 linger until VACUUM FULL records', {});
        } else {
          this.warn('a long transaction still sees erased rows; run VACUUM FULL record_keys once it ended', {});
        }
      } catch (error) {
        this.warn('VACUUM FULL record_keys failed after an erasure; run it by hand', { code: errorCode(error) });
      }
    }
    const { xid: _xid, keyInToken: _keyInToken, ...outcome } = erased;
    return { ...outcome, scrubbed };
  }

  /**
   * Whether every other transaction of this database that began before `xid` committed has ended:
   * one holding a snapshot that old (`backend_xmin`), or an older transaction id of its own
   * (`backend_xid`: a writer idle between statements has no snapshot, yet VACUUM keeps for it what
   * it deleted after it began).
   */
  private async olderSnapshotsEnded(xid: string, waitMs: number): Promise<boolean> {
    const until = Date.now() + waitMs;
    for (;;) {
      const [{ older }] = (
        await this.query(
          `SELECT count(*)::int AS older FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND (age(backend_xmin) >= age(($1::bigint % 4294967296)::text::xid)
                OR age(backend_xid) >= age(($1::bigint % 4294967296)::text::xid))`,
          [xid],
        )
      ).rows;
      if (Number(older) === 0) return true;
      if (Date.now() >= until) return false;
      await sleep(50);
    }
  }

  async purge(before: number, now: number, limit: number, audit: AuditEvent): Promise<PurgeCounts> {
    return this.transaction(async (q) => {
      const ids = (
        await q('SELECT request_id FROM requests WHERE created_at < $1 ORDER BY created_at LIMIT $2', [before, limit])
      ).rows.map((row) => String(row.request_id));
      // Counted before the cascade takes them: a record can be younger than the cutoff, never its request.
      const records = (await q('DELETE FROM records WHERE request_id = ANY($1)', [ids])).rowCount ?? 0;
      const requests = (await q('DELETE FROM requests WHERE request_id = ANY($1)', [ids])).rowCount ?? 0;
      const otks =
        (
          await q('DELETE FROM otks WHERE hash IN (SELECT hash FROM otks WHERE expires_at <= $1 LIMIT $2)', [
            now,
            limit,
          ])
        ).rowCount ?? 0;
      const closedRooms =
        (
          await q(
            `DELETE FROM closed_rooms WHERE (site_id, room_id) IN
            (SELECT site_id, room_id FROM closed_rooms WHERE closed_at < $1 LIMIT $2)`,
            [before, limit],
          )
        ).rowCount ?? 0;
      const counts = { records, requests, otks, closedRooms };
      await appendEntry(q, { ...audit, detail: JSON.stringify(counts) });
      return counts;
    });
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.transaction((q) => appendEntry(q, event));
  }

  async readAudit(afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return (await this.query('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [afterSeq, limit])).rows.map(
      toAudit,
    );
  }

  async auditHead(): Promise<{ seq: number; hash: string } | undefined> {
    const row = (await this.query('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1')).rows[0];
    return row ? { seq: Number(row.seq), hash: String(row.hash) } : undefined;
  }

  async lastAuditSeqBefore(at: number): Promise<number | undefined> {
    const row = (await this.query('SELECT MAX(seq) AS seq FROM audit WHERE at < $1', [at])).rows[0];
    return row?.seq === null || row?.seq === undefined ? undefined : Number(row.seq);
  }

  async appendCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    const result = await this.query(
      `INSERT INTO audit_checkpoints (kind, seq, hash, at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (kind, seq) DO NOTHING`,
      [checkpoint.kind, checkpoint.seq, checkpoint.hash, checkpoint.at, checkpoint.keyId, checkpoint.signature],
    );
    return result.rowCount === 1;
  }

  async readCheckpoints(afterSeq: number, limit: number): Promise<AuditCheckpoint[]> {
    const result = await this.query('SELECT * FROM audit_checkpoints WHERE seq > $1 ORDER BY seq, kind LIMIT $2', [
      afterSeq,
      limit,
    ]);
    return result.rows.map(toCheckpoint);
  }

  async latestCheckpoint(): Promise<AuditCheckpoint | undefined> {
    const row = (await this.query('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1')).rows[0];
    return row ? toCheckpoint(row) : undefined;
  }

  async pruneAudit(throughSeq: number, audit: AuditEvent): Promise<number> {
    return this.transaction(async (q) => {
      const deleted = (await q('DELETE FROM audit WHERE seq <= $1', [throughSeq])).rowCount ?? 0;
      await appendEntry(q, audit);
      return deleted;
    });
  }

  /**
   * Finishes the opened request of a live submit OTK (in time, its room open) as `status`, stores
   * what `store` stores (false: undo it all), consumes the OTK with the request's others, and
   * audits; all or nothing. One guarded update both finds the request and finishes it, taking the
   * request row's lock first, as every other writer does; of concurrent submits of one link, those
   * after the first find it no longer opened.
   */
  private async finishOpened(
    submitHash: string,
    status: 'submitted' | 'cancelled',
    now: number,
    audit: PendingAudit,
    store: (q: Query, request: RequestRow) => Promise<boolean>,
  ): Promise<RequestRow | undefined> {
    try {
      return await this.transaction(async (q) => {
        const request = toRequest(
          (
            await q(
              `UPDATE requests SET status = $1, ${status === 'submitted' ? 'submitted_at' : 'finished_at'} = $2
              WHERE request_id = (SELECT request_id FROM otks WHERE hash = $3 AND purpose = 'submit' AND expires_at > $2)
              AND status = 'opened' AND expires_at > $2 AND ${ROOM_OPEN} RETURNING *`,
              [status, now, submitHash],
            )
          ).rows[0],
        );
        if (!request) return undefined;
        if (!(await store(q, request))) throw new Rollback();
        const consumed = await q('DELETE FROM otks WHERE request_id = $1 RETURNING hash', [request.requestId]);
        if (!consumed.rows.some((row) => row.hash === submitHash)) throw new Rollback();
        await appendEntry(q, { ...audit, siteId: request.siteId, requestId: request.requestId });
        return request;
      });
    } catch (error) {
      if (error instanceof Rollback) return undefined;
      throw error;
    }
  }

  /** One statement outside a transaction (reads and single-row deletes). */
  private async query(sql: string, params?: unknown[]): Promise<QueryResult<Row>> {
    try {
      try {
        return await this.pool.query<Row>(prepared(sql, params));
      } catch (error) {
        // The pool has dropped the connection that failed; the statement unnamed cannot be stale.
        if (params && isStalePlan(error)) return await this.pool.query<Row>(sql, params);
        throw error;
      }
    } catch (error) {
      throw this.translate(error);
    }
  }

  /**
   * Runs `work` in one transaction on one pooled connection. Deadlocks and serialization failures
   * are retried from the start; a lost connection is a StorageUnavailableError. When COMMIT itself
   * fails on a lost connection the outcome is unknown to us, but never partial.
   */
  private async transaction<T>(work: (q: Query) => Promise<T>, options: { named?: boolean } = {}): Promise<T> {
    let named = options.named ?? true;
    for (let attempt = 1; ; attempt += 1) {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw this.translate(error);
      }
      // A checked-out client has no error listener; one breaking between statements would crash the process.
      const ignore = () => undefined;
      client.on('error', ignore);
      const q: Query = (sql, params) =>
        client.query<Row>(named ? prepared(sql, params) : { text: sql, values: params });
      let broken: Error | undefined;
      try {
        await q('BEGIN');
        const result = await work(q);
        await q('COMMIT');
        return result;
      } catch (error) {
        try {
          await q('ROLLBACK');
        } catch {
          broken = new Error('ROLLBACK failed');
        }
        if (isUnavailable(error)) broken ??= new Error('connection lost');
        // A table changed under a prepared statement (another instance migrated): this connection's
        // statements are stale, so it is dropped and the transaction runs again unnamed.
        const stale = named && isStalePlan(error);
        if (stale) {
          broken ??= new Error('stale prepared statement');
          named = false;
        }
        const retryable = stale || ['40P01', '40001'].includes(errorCode(error) ?? '');
        if (!retryable || attempt >= ATTEMPTS) throw this.translate(error);
      } finally {
        client.removeListener('error', ignore);
        // Passing an error destroys the connection instead of returning it to the pool.
        client.release(broken);
      }
      await sleep(5 + Math.floor(Math.random() * 20 * attempt));
    }
  }

  /** Takes the room's advisory lock until the transaction ends (see ROOM_LOCK). */
  private async lockRoom(q: Query, siteId: string, roomId: string, mode: 'shared' | 'exclusive'): Promise<void> {
    const lock = mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock';
    // A site ID has no '/', so schema/site/room names one room.
    await q(`SELECT ${lock}($1, hashtext($2))`, [ROOM_LOCK, `${this.schema}/${siteId}/${roomId}`]);
  }

  private translate(error: unknown): unknown {
    if (!isUnavailable(error)) return error;
    return new StorageUnavailableError(
      `PostgreSQL at ${this.where} is unavailable (${errorCode(error) ?? 'connection lost'}).`,
    );
  }
}

/** How long an erasure waits for older transactions before it rewrites the key table. */
const ERASURE_WAIT_MS = 10_000;

/** Thrown inside a transaction to undo it when a state check fails after the OTK was consumed. */
class Rollback extends Error {}

/** A condition on a `requests` row: its room was not closed. */
const ROOM_OPEN =
  'NOT EXISTS (SELECT 1 FROM closed_rooms c WHERE c.site_id = requests.site_id AND c.room_id = requests.room_id)';

/** Statement names by SQL text: only this file's fixed statements come here, one name each. */
const statementNames = new Map<string, string>();

/**
 * A statement with parameters as a named (prepared) one: PostgreSQL parses and plans it once per
 * connection instead of on every call, where planning cost 4 × the execution of the start page's
 * read (BENCHMARKS.md). Without parameters it stays a simple query, which may hold several statements.
 */
function prepared(sql: string, params: unknown[] | undefined): QueryConfig {
  if (!params) return { text: sql };
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `vault_${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return { name, text: sql, values: params };
}

/**
 * "cached plan must not change result type": a table's columns changed under a prepared `SELECT *`.
 * By its code alone (feature_not_supported), the message being in the server's language: the
 * statement then runs again unnamed, once, so any other cause of the code comes back as it was.
 */
function isStalePlan(error: unknown): boolean {
  return errorCode(error) === '0A000';
}

/** True for errors that mean "the database is not reachable right now", not "the statement was wrong". */
function isUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailableError) return true;
  // Not `instanceof Error`: errors from Node's own sockets come from another realm under some runners (Jest).
  if (typeof error !== 'object' || error === null) return false;
  const code = errorCode(error) ?? '';
  // SQLSTATE 08 connection exception, 53 insufficient resources, 57P0x shutdown, 57014 timeout.
  if (/^(08|53)...$/.test(code) || /^57P0.$/.test(code) || code === '57014') return true;
  const message = (error as { message?: unknown }).message;
  return NETWORK_CODES.has(code) || (typeof message === 'string' && NETWORK_MESSAGES.test(message));
}

/**
 * Locks the request an OTK points to (FOR UPDATE) before the OTK row is touched: the same order
 * close and expiry take, so concurrent writers wait for each other instead of deadlocking.
 */
async function lockRequestOf(q: Query, hash: string, purpose: OtkPurpose): Promise<RequestRow | undefined> {
  return toRequest(
    (
      await q(
        `SELECT r.* FROM requests r WHERE r.request_id = (SELECT request_id FROM otks WHERE hash = $1 AND purpose = $2)
    FOR UPDATE`,
        [hash, purpose],
      )
    ).rows[0],
  );
}

async function consume(q: Query, hash: string, purpose: OtkPurpose, now: number): Promise<OtkRow | undefined> {
  return toOtk(
    (await q('DELETE FROM otks WHERE hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING *', [hash, purpose, now]))
      .rows[0],
  );
}

async function roomClosed(q: Query, siteId: string, roomId: string): Promise<boolean> {
  return (
    ((await q('SELECT 1 FROM closed_rooms WHERE site_id = $1 AND room_id = $2', [siteId, roomId])).rowCount ?? 0) > 0
  );
}

async function nextKeyGeneration(q: Query): Promise<void> {
  await q('UPDATE key_generation SET generation = generation + 1 WHERE id = 1');
}

async function insertKey(q: Query, key: SiteKeyRow): Promise<void> {
  await q('INSERT INTO site_keys (site_id, kid, wrapped_key, created_at, active) VALUES ($1, $2, $3, $4, $5)', [
    key.siteId,
    key.kid,
    key.wrappedKey,
    key.createdAt,
    key.active,
  ]);
}

async function insertOtkRow(q: Query, otk: OtkRow): Promise<void> {
  await q(
    'INSERT INTO otks (hash, purpose, site_id, request_id, agent_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [otk.hash, otk.purpose, otk.siteId, otk.requestId, otk.agentId, otk.expiresAt],
  );
}

/**
 * Appends one audit entry linked to the chain head, inside the caller's transaction. The head row
 * stays locked until that transaction ends, so appends from every instance form one chain.
 */
async function appendEntry(q: Query, event: AuditEvent): Promise<void> {
  const head = (await q('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')).rows[0];
  const entry = linkEntry({ seq: Number(head.seq), hash: String(head.hash) }, event);
  // The row and the new head in one statement: one round trip fewer on every audited write.
  await q(
    `WITH appended AS (
      INSERT INTO audit (seq, at, site_id, actor, action, request_id, detail, prev_hash, hash)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    )
    UPDATE audit_head SET seq = $1, hash = $9 WHERE id = 1`,
    [
      entry.seq,
      entry.at,
      entry.siteId,
      entry.actor,
      entry.action,
      entry.requestId,
      entry.detail,
      entry.prevHash,
      entry.hash,
    ],
  );
}
