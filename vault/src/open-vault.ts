import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ConfigError, OperationError } from './errors';
import { checkAuditSinkFile, devMasterKeyPath, ensureDataDir, resolveMasterKey, type VaultConfig } from './config';
import { errorCode, postgresSchemaOf, redactUrl } from './connection-url';
import { ensurePrivateDir } from './private-files';
import { AuditSigner } from './crypto/audit-signing';
import { MasterKey } from './crypto/master-key';
import { Tokenizer } from './crypto/tokenizer';
import { MemoryEphemeralStore } from './ephemeral/memory';
import type { EphemeralStore } from './ephemeral/types';
import { systemClock, type Clock } from './service/clock';
import { DEFAULT_DOORBELL, Doorbell, type DoorbellOptions } from './service/doorbell';
import { RequestService, type RequestEvents, type RequestServiceDeps } from './service/requests';
import { AuditTrailService } from './service/audit-trail';
import { auditSinkFor, type AuditSink } from './service/audit-sink';
import { FormSessions } from './service/form-session';
import { VisitorFlow } from './service/visitor-flow';
import { RetentionService } from './service/retention';
import { SiteService } from './service/sites';
import { ViewerService } from './service/viewer';
import { VisitorDataService } from './service/visitor-data';
import { RelayService } from './service/relays';
import type { PostgresOptions, PostgresStorage } from './storage/postgres';
import { backupSqlite, checkSqliteBackup, SqliteStorage } from './storage/sqlite';
import { copySqliteToPostgres, postgresCounts, sqliteTables, type TableCount } from './storage/copy-sqlite-to-postgres';
import type { Storage } from './storage/types';

/** Everything a running vault is made of; the HTTP app and the CLI both sit on top of it. */
export interface Vault {
  config: VaultConfig;
  storage: Storage;
  ephemeral: EphemeralStore;
  sites: SiteService;
  requests: RequestService;
  visitors: VisitorFlow;
  viewer: ViewerService;
  /** Erasure and export of one visitor's data (GDPR). */
  visitorData: VisitorDataService;
  relays: RelayService;
  retention: RetentionService;
  audit: AuditTrailService;
  /** The continuous audit export, when VAULT_AUDIT_SINK_FILE or VAULT_AUDIT_SINK_SYSLOG is set. */
  auditSink?: AuditSink;
  doorbell: Doorbell;
  clock: Clock;
  close(): Promise<void>;
}

export interface OpenVaultOptions {
  logger: Logger;
  /** Refuse a master key that opens no site's key (default); restore and migrate say it their own way. */
  checkMasterKey?: boolean;
  clock?: Clock;
  events?: RequestEvents;
  doorbell?: Partial<Omit<DoorbellOptions, 'log'>>;
}

/** The SQLite file inside the data dir. */
export function sqlitePath(config: VaultConfig): string {
  return path.join(config.dataDir, 'vault.sqlite');
}

/** Where `config` keeps the vault's records, for messages: the SQLite file, or PostgreSQL's URL without its password. */
export function describeStorage(config: VaultConfig): string {
  if (!config.databaseUrl) return `SQLite ${sqlitePath(config)} (VAULT_DATA_DIR ${config.dataDir})`;
  const schema = postgresSchemaOf(new URL(config.databaseUrl));
  return `PostgreSQL ${redactUrl(config.databaseUrl)} (schema ${schema})`;
}

/**
 * Why no vault lives where `config` points, or undefined when one does: its database holds the
 * vault's tables, and (without VAULT_MASTER_KEY) its dev master key is there too. Opening the vault
 * would create both; the CLI does that only when asked to (`--init`).
 */
export async function missingVault(config: VaultConfig): Promise<string | undefined> {
  if (config.databaseUrl) {
    const storage = await postgresStorage(config.databaseUrl);
    try {
      if (!(await storage.initialized())) return `${describeStorage(config)} holds no vault`;
    } finally {
      await storage.close();
    }
    return undefined;
  }
  if (!fs.existsSync(sqlitePath(config))) return `there is no ${sqlitePath(config)}`;
  if (!config.masterKey && !fs.existsSync(devMasterKeyPath(config.dataDir))) {
    return `VAULT_MASTER_KEY is not set and ${config.dataDir} has no development key`;
  }
  return undefined;
}

export interface BackupReport {
  backup: string;
  bytes: number;
  pages: number;
  ms: number;
}

/**
 * An online, consistent copy of the SQLite vault into `destination` (a new file), taken while the
 * server runs. It holds tokenized records and key material wrapped by the master key, which is
 * not in it: keep VAULT_MASTER_KEY (or the dev key file) apart from it. PostgreSQL: pg_dump.
 */
export async function backupVault(config: VaultConfig, destination: string): Promise<BackupReport> {
  if (config.databaseUrl) {
    throw new OperationError('The vault is on PostgreSQL: back it up with pg_dump (docs/operations.md).');
  }
  const target = path.resolve(destination);
  if (fs.existsSync(target)) throw new OperationError(`${target} already exists; choose a new file.`);
  if (!fs.existsSync(path.dirname(target)))
    throw new OperationError(`${path.dirname(target)} does not exist: create it, or choose another place.`);
  const started = Date.now();
  const partial = `${target}.partial`;
  try {
    const copy = await backupSqlite(sqlitePath(config), partial);
    fs.renameSync(partial, target);
    return { backup: target, bytes: copy.bytes, pages: copy.pages, ms: Date.now() - started };
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/**
 * Puts a backup in place as the vault of `config`'s (empty) data dir, with the server stopped.
 * Checks it first (a whole vault database) and after (the master key opens every site's keys);
 * on any failure nothing stays behind.
 */
export async function restoreVault(
  config: VaultConfig,
  source: string,
  logger: Logger,
): Promise<{ restored: string; sites: number }> {
  if (config.databaseUrl) {
    throw new OperationError('The vault is on PostgreSQL: restore with pg_restore (docs/operations.md).');
  }
  const target = sqlitePath(config);
  if (fs.existsSync(target)) {
    throw new OperationError(
      `There is already a vault at ${target}: restore into an empty VAULT_DATA_DIR (stop the vault and move the old one aside first).`,
    );
  }
  const problem = checkSqliteBackup(source);
  if (problem) throw new OperationError(`${source} cannot be restored: ${problem}.`);
  if (!config.masterKey && !fs.existsSync(devMasterKeyPath(config.dataDir))) {
    throw new OperationError(
      'Set VAULT_MASTER_KEY to the master key of the vault the backup came from (or put its dev key file in VAULT_DATA_DIR).',
    );
  }
  // The outermost directory this restore made, if any: a refused restore leaves none of them behind.
  const madeDir = ensurePrivateDir(config.dataDir);
  const partial = `${target}.restoring`;
  // Set once this run's copy is whole; a copy that failed part-way (a full disk) left its own file.
  let copied = false;
  try {
    fs.copyFileSync(source, partial, fs.constants.COPYFILE_EXCL);
    copied = true;
    fs.chmodSync(partial, 0o600);
    fs.renameSync(partial, target);
    const vault = await openVault(config, { logger, checkMasterKey: false });
    try {
      const sites = await vault.storage.listSites();
      for (const site of sites) {
        try {
          await vault.sites.activeKey(site.siteId);
        } catch {
          throw new OperationError(
            `The master key does not open the keys of site ${JSON.stringify(site.siteId)} in this backup: set VAULT_MASTER_KEY to the key of the vault it came from.`,
          );
        }
      }
      return { restored: target, sites: sites.length };
    } finally {
      await vault.close();
    }
  } catch (error) {
    // Another restore's file in the way (EEXIST) is that restore's: only this run's are removed.
    if (copied || errorCode(error) !== 'EEXIST') {
      for (const suffix of ['', '-wal', '-shm', '.restoring']) fs.rmSync(`${target}${suffix}`, { force: true });
    }
    // The directories this restore made go too.
    if (madeDir) fs.rmSync(madeDir, { recursive: true, force: true });
    throw error;
  }
}

export interface MigrationReport {
  migrated: string;
  /** Rows copied per table, equal on both sides (checked after the copy). */
  tables: Record<string, number>;
  /** The PostgreSQL vault's audit trail, verified after the copy. */
  audit: { ok: boolean; entries: number; checkpoints: number; signedThrough: number };
  ms: number;
}

/**
 * Copies the SQLite vault of `source` into the empty PostgreSQL database of `target`
 * (`vault:cli migrate --to`). It works from an online backup snapshot, so the server may run; what
 * is written after the snapshot is not copied (stop the vault before the final run). Before
 * copying, the snapshot's audit trail must verify and the master key must open every site's
 * keys; after, the row counts must match and the PostgreSQL vault's trail must verify.
 */
export async function migrateVault(source: VaultConfig, target: VaultConfig, logger: Logger): Promise<MigrationReport> {
  if (source.databaseUrl) throw new OperationError('The vault is already on PostgreSQL (VAULT_DATABASE_URL is set).');
  if (!target.databaseUrl) throw new OperationError('migrate needs --to postgres://…');
  const started = Date.now();
  const snapshotDir = fs.mkdtempSync(path.join(source.dataDir, '.migrate-'));
  try {
    const snapshot = path.join(snapshotDir, 'vault.sqlite');
    await backupSqlite(sqlitePath(source), snapshot);
    // Opening the snapshot as a vault brings its schema up to this code's version (as a start would).
    const sourceVault = await openVault(
      { ...target, databaseUrl: undefined, redisUrl: undefined, dataDir: snapshotDir },
      { logger, checkMasterKey: false },
    );
    try {
      await checkSiteKeys(sourceVault, 'the SQLite vault');
      const trail = await sourceVault.audit.verify();
      if (!trail.ok) {
        throw new OperationError(
          `The SQLite vault's audit trail does not verify (entry ${trail.brokenAt}: ${trail.reason}); nothing was copied.`,
        );
      }
    } finally {
      await sourceVault.close();
    }
    const expected = sqliteTables(snapshot);
    const storage = await postgresStorage(target.databaseUrl, {
      warn: (message, fields) => logger.warn(fields, message),
    });
    try {
      if (await storage.initialized()) {
        const filled = (await postgresCounts(storage)).filter((t) => t.rows > 0).map((t) => t.table);
        if (filled.length) {
          throw new OperationError(
            `The PostgreSQL target is not empty (rows in ${filled.join(', ')}): migrate only into an empty database or schema.`,
          );
        }
      }
      await storage.migrate();
      await copySqliteToPostgres(snapshot, storage);
      checkCounts(expected, await postgresCounts(storage));
    } finally {
      await storage.close();
    }
    const targetVault = await openVault(target, { logger, checkMasterKey: false });
    try {
      await checkSiteKeys(targetVault, 'the PostgreSQL vault');
      const trail = await targetVault.audit.verify();
      const entries = expected.find((t) => t.table === 'audit')?.rows ?? 0;
      if (!trail.ok || trail.count !== entries) {
        throw new OperationError(
          `The copied audit trail does not verify (${trail.reason ?? `${trail.count} of ${entries} entries`}): drop the target schema before trying again.`,
        );
      }
      return {
        migrated: describeStorage(target),
        tables: Object.fromEntries(expected.map((t) => [t.table, t.rows])),
        audit: {
          ok: trail.ok,
          entries: trail.count,
          checkpoints: trail.checkpoints,
          signedThrough: trail.signedThrough,
        },
        ms: Date.now() - started,
      };
    } finally {
      await targetVault.close();
    }
  } finally {
    fs.rmSync(snapshotDir, { recursive: true, force: true });
  }
}

async function checkSiteKeys(vault: Vault, which: string): Promise<void> {
  for (const site of await vault.storage.listSites()) {
    try {
      await vault.sites.activeKey(site.siteId);
    } catch {
      throw new OperationError(
        `The master key does not open the keys of site "${site.siteId}" in ${which}: set VAULT_MASTER_KEY to the SQLite vault's master key.`,
      );
    }
  }
}

function checkCounts(expected: TableCount[], found: TableCount[]): void {
  for (const { table, rows } of expected) {
    const copied = found.find((t) => t.table === table)?.rows;
    if (copied !== rows) {
      throw new OperationError(
        `Table ${table}: ${rows} rows in SQLite, ${copied ?? 'none'} in PostgreSQL after the copy: drop the target schema before trying again.`,
      );
    }
  }
}

/**
 * A master key that opens no site's key is not this vault's: the server would answer every submit
 * with an error, and a CLI command would wrap new keys or sign audit checkpoints under it for good.
 * One that opens some keys is right; the sites whose keys it cannot open are named in the log.
 */
async function checkMasterKey(sites: SiteService, logger: Logger): Promise<void> {
  const { opened, closed } = await sites.checkMasterKey();
  if (closed.length === 0) return;
  if (opened.length === 0) {
    throw new ConfigError(
      'VAULT_MASTER_KEY',
      `this master key does not open the keys of site "${closed[0]}" (nor of any site): set it to the key this vault was made with`,
    );
  }
  logger.error(
    { sites: closed.slice(0, 20), count: closed.length },
    'The master key does not open the active keys of these sites: their submits fail until `vault:cli keys rotate --site <siteId>` is run with this key',
  );
}

/**
 * Opens storage (migrating it), the ephemeral store and the services for `config`: SQLite and
 * process memory by default, PostgreSQL and Redis when their URLs are set.
 */
export async function openVault(config: VaultConfig, options: OpenVaultOptions): Promise<Vault> {
  checkAuditSinkFile(config.auditSink.file);
  const clock = options.clock ?? systemClock;
  const master = new MasterKey(
    resolveMasterKey(
      config,
      () => randomBytes(32),
      (msg) => options.logger.warn(msg),
    ),
  );
  const signer = auditSigner(config, master);
  const storage = await openStorage(config, options.logger);
  let ephemeral: EphemeralStore;
  try {
    ephemeral = await openEphemeral(config, clock, options.logger);
  } catch (error) {
    await storage.close();
    throw error;
  }
  const sites = new SiteService(storage, master, clock);
  if (options.checkMasterKey !== false) {
    try {
      await checkMasterKey(sites, options.logger);
    } catch (error) {
      await Promise.allSettled([storage.close(), ephemeral.close()]);
      throw error;
    }
  }
  const doorbell = new Doorbell({
    ...DEFAULT_DOORBELL,
    ...options.doorbell,
    log: (level, message, fields) => options.logger[level](fields, message),
  });
  const requestDeps: RequestServiceDeps = {
    storage,
    ephemeral,
    sites,
    doorbell,
    clock,
    tokenizer: new Tokenizer(),
    ttl: config.ttl,
    publicUrl: config.publicUrl,
    events: options.events,
  };
  const requests = new RequestService(requestDeps);
  const visitors = new VisitorFlow(requestDeps, new FormSessions(master.derive('form-session-v1')));
  const viewer = new ViewerService({ storage, requests, clock, ttl: config.ttl, publicUrl: config.publicUrl });
  const audit = new AuditTrailService(storage, signer, clock, (checkpoint) =>
    options.logger.info({ auditCheckpoint: checkpoint }, 'audit checkpoint'),
  );
  const visitorData = new VisitorDataService({ storage, ephemeral, requests, clock });
  const relays = new RelayService({ storage, ephemeral, sites, requests, clock });
  const retention = new RetentionService(storage, clock, config.retentionDays, audit, config.auditRetentionDays);
  const auditSink = auditSinkFor(config.auditSink, audit, options.logger);
  try {
    await auditSink?.begin();
  } catch (error) {
    // Nothing opened here outlives a vault that failed to open (the storage runs a thread on SQLite);
    // the caller hears why it failed to open, not how closing went.
    await Promise.allSettled([storage.close(), ephemeral.close()]);
    throw error;
  }
  return {
    config,
    storage,
    ephemeral,
    sites,
    requests,
    visitors,
    viewer,
    visitorData,
    relays,
    retention,
    audit,
    auditSink,
    doorbell,
    clock,
    async close() {
      doorbell.close();
      auditSink?.close();
      await ephemeral.close();
      await storage.close();
    },
  };
}

/**
 * What a multi-worker vault's primary does before it starts any worker: brings the database's
 * schema up to date once (workers then find nothing to migrate) and checks that Redis answers, so
 * a wrong URL stops the start with one message instead of every worker failing in turn.
 */
export async function prepareBackends(config: VaultConfig, logger: Logger): Promise<void> {
  const storage = await openStorage(config, logger);
  await storage.close();
  const ephemeral = await openEphemeral(config, systemClock, logger);
  try {
    await ephemeral.ping();
  } finally {
    await ephemeral.close();
  }
}

/** The key that signs audit checkpoints: VAULT_AUDIT_SIGNING_KEY, or one derived from the master key. */
function auditSigner(config: VaultConfig, master: MasterKey): AuditSigner {
  if (!config.auditSigningKey) return AuditSigner.fromSeed(master.derive('audit-signing-v1'));
  try {
    return AuditSigner.fromText(config.auditSigningKey);
  } catch {
    throw new ConfigError(
      'VAULT_AUDIT_SIGNING_KEY',
      'must be an Ed25519 private key, PEM or base64 of PKCS#8 DER (`openssl genpkey -algorithm ed25519`)',
    );
  }
}

/**
 * PostgreSQL's storage, loaded only by a vault that uses it: its driver (as Redis's client in
 * openEphemeral) would add about 4 MB to the heap of every vault on the embedded default.
 */
async function postgresStorage(url: string, options?: PostgresOptions): Promise<PostgresStorage> {
  const postgres = await import('./storage/postgres');
  return new postgres.PostgresStorage(url, options);
}

async function openStorage(config: VaultConfig, logger: Logger): Promise<Storage> {
  if (config.databaseUrl) {
    const storage = await postgresStorage(config.databaseUrl, {
      warn: (message, fields) => logger.warn(fields, message),
    });
    try {
      await storage.migrate();
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }
  ensureDataDir(config.dataDir);
  const storage = new SqliteStorage(sqlitePath(config), {
    // The WAL still starts over (the request thread's fallback checkpoint): no secret in an error code.
    onCheckpointFailure: (code) => logger.warn({ code }, 'background WAL checkpoint failed'),
  });
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

async function openEphemeral(config: VaultConfig, clock: Clock, logger: Logger): Promise<EphemeralStore> {
  if (config.redisUrl) {
    const redis = await import('./ephemeral/redis');
    const store = new redis.RedisEphemeralStore(config.redisUrl, {
      warn: (message, fields) => logger.warn(fields, message),
    });
    await store.connect();
    return store;
  }
  return new MemoryEphemeralStore(clock);
}
