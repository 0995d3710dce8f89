import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { postgresSchemaOf, redisPrefixOf } from './connection-url';
import { isLinkUrl } from './contract/limits';
import { withoutTrailing } from './contract/trailing';
import { ConfigError } from './errors';
import { ensurePrivateDir } from './private-files';

/** Every knob of the vault, read once from the environment. */
/**
 * Which limited routes let requests through while the counters are unreachable: `none`, `api`
 * (every route but those that take or mint an OTK) or `all`.
 */
export type FailOpen = 'none' | 'api' | 'all';

export const FAIL_OPEN_CHOICES: FailOpen[] = ['none', 'api', 'all'];

/** One segment of the path a public URL may end in: safe in a link, a redirect and a cookie's Path. */
const PUBLIC_PATH_SEGMENT = /^(?:[\w.~-]|%[0-9A-Fa-f]{2})+$/;

/**
 * Whether `publicUrl`'s path, as written (links are built from the text, pages from the parsed
 * URL), is one both read alike: segments of PUBLIC_PATH_SEGMENT, none empty (`//evil.example`
 * would read as another host), `.` or `..`.
 */
function isPlainPublicPath(publicUrl: string): boolean {
  const written = publicUrl.replace(/^https?:\/\/[^/\\]*/i, '');
  if (written === '') return true;
  const segments = written.slice(1).split('/');
  return (
    written.startsWith('/') &&
    segments.every((segment) => PUBLIC_PATH_SEGMENT.test(segment) && segment !== '.' && segment !== '..') &&
    new URL(publicUrl).pathname === written
  );
}

export interface VaultConfig {
  host: string;
  port: number;
  publicUrl: string;
  /**
   * The path publicUrl ends in, without its trailing slash ('' for none): behind a proxy that serves
   * the vault under `/vault`, every link, redirect and cookie path of the pages starts with it.
   */
  publicPath: string;
  /** publicUrl is https: cookies are Secure and __Secure-, and HSTS is sent. */
  publicHttps: boolean;
  /** The operations listener (/metrics, /readyz): private by default, never the visitors' port. */
  opsHost: string;
  opsPort: number;
  dataDir: string;
  /** Base64 of 32 bytes; undefined means "generate a dev key into the data dir". */
  masterKey?: string;
  databaseUrl?: string;
  redisUrl?: string;
  logLevel: string;
  production: boolean;
  ttl: {
    /** A visitor link must be opened within this. */
    openSeconds: number;
    /** …and the page submitted within this after opening. */
    submitSeconds: number;
    detokenizeSeconds: number;
    /** Off-the-record fields and ID&V answers live this long in memory. */
    offRecordSeconds: number;
    /** A viewer link must be opened within this… */
    viewerOpenSeconds: number;
    /** …and its page stays usable at most this long after opening. */
    viewerSessionSeconds: number;
  };
  retentionDays: number;
  /**
   * How long audit entries are kept (PCI DSS 10.5.1: at least 12 months), apart from the data's
   * retention; 0 keeps them for ever. Pruning happens only behind a signed prune checkpoint.
   */
  auditRetentionDays: number;
  /** Where audit entries and checkpoints are shipped as they are written (a SIEM's input); none by default. */
  auditSink: AuditSinkConfig;
  rateLimit: {
    /** Per link and visitor route per minute. */
    visitorPerMinute: number;
    /** Per client IP and visitor route per minute, whatever the link: higher, as visitors share IPs (CGNAT). */
    visitorIpPerMinute: number;
    /** Per site per minute on the OTK-minting and detokenize routes. */
    otkPerMinute: number;
    /** Per site per minute on the rest of the API. */
    apiPerMinute: number;
    /** Failed API-key attempts per client IP per minute, before that IP is refused outright. */
    authFailuresPerMinute: number;
    /** Which routes run unlimited while the shared counters (Redis) are unreachable. */
    failOpen: FailOpen;
    /** Per client IP per minute on the agent's viewer pages (opens, reveals, copies). */
    viewerPerMinute: number;
  };
  /** How long a client may take to send one whole request, headers and body. */
  requestTimeoutSeconds: number;
  /** How long a stop (SIGTERM) may take to finish in-flight requests and close storage. */
  shutdownGraceSeconds: number;
  /** How often the expiry sweep and the retention purge run. */
  sweepIntervalSeconds: number;
  purgeIntervalSeconds: number;
  /**
   * The Ed25519 private key that signs audit checkpoints (PEM or base64 PKCS#8); undefined means
   * one derived from the master key, so every instance sharing a database signs alike.
   */
  auditSigningKey?: string;
  /** How often the head of the audit chain is signed (when it moved). */
  auditCheckpointSeconds: number;
  /**
   * Which proxies' X-Forwarded-For to believe: none, the nearest N hops, or proxies at these
   * addresses/CIDRs. Never every hop: the left-most entries are whatever the client wrote.
   */
  trustProxy: false | number | string[];
  /**
   * How many vault processes serve the port (node's cluster: a primary and this many workers, each
   * a full vault on the same database). 1, the default, is one process and no primary.
   */
  workers: number;
}

/** The continuous audit export: a JSON-lines file and/or syslog (RFC 5424 over UDP). */
export interface AuditSinkConfig {
  file?: string;
  syslog?: SyslogSinkConfig;
  /** How often new entries are shipped when the sink has caught up. */
  intervalSeconds: number;
  /** At most this many entries per target in one step; a longer backlog drains in steps, back to back. */
  batchEntries: number;
}

/** VAULT_AUDIT_SINK_SYSLOG and the size one message may take (VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES). */
export interface SyslogSinkConfig {
  host: string;
  port: number;
  /** Whole RFC 5424 message, header included, in bytes; a longer entry is sent truncated and marked. */
  maxBytes: number;
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

function oneOf<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw))
    throw new ConfigError(name, `must be one of ${choices.join(', ')}`);
  return raw as T;
}

const TRUST_PROXY_HELP =
  'set the number of proxies in front of the vault (e.g. 1 behind one load balancer), or their ' +
  'addresses or CIDR ranges, comma-separated (e.g. 10.0.0.0/8)';

/** VAULT_TRUST_PROXY: false/0, a hop count, or a list of proxy addresses and CIDRs. */
function trustProxy(env: Env): false | number | string[] {
  const raw = (env.VAULT_TRUST_PROXY ?? '').trim();
  if (raw === '' || /^(0|false|no)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) {
    throw new ConfigError(
      'VAULT_TRUST_PROXY',
      `"${raw}" would trust every hop, so a visitor could choose their own IP with X-Forwarded-For; ${TRUST_PROXY_HELP}`,
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 10) throw new ConfigError('VAULT_TRUST_PROXY', 'a hop count must be between 0 and 10');
    return hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (!isAddressOrCidr(entry))
      throw new ConfigError('VAULT_TRUST_PROXY', `"${entry}" is not an address or CIDR; ${TRUST_PROXY_HELP}`);
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine reaches. */
function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * A variable naming a host or a path, as written: a space before or after it (an .env file's
 * padding, or a value of spaces only) would make another address or directory than meant.
 */
function unpadded(env: Env, name: string, fallback: string): string {
  const value = env[name] || fallback;
  if (value.trim() !== value)
    throw new ConfigError(name, 'has a space before or after it: write the value alone, or leave it unset');
  return value;
}

/** Reads and checks the environment; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): VaultConfig {
  const production = env.NODE_ENV === 'production';
  // An IPv6 address may be written bracketed, as in a URL; the listener takes it bare.
  const host = unpadded(env, 'VAULT_HOST', '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  const port = integer(env, 'VAULT_PORT', 8200, 0, 65535);
  const givenPublicUrl = url(env, 'VAULT_PUBLIC_URL', ['http:', 'https:']);
  if (givenPublicUrl !== undefined && !isLinkUrl(givenPublicUrl)) {
    throw new ConfigError(
      'VAULT_PUBLIC_URL',
      'must be the address visitors open, http(s)://host[:port][/path], without a user, password, query or fragment (every link is built under it)',
    );
  }
  // Links built from a wildcard or LAN listen address (http://0.0.0.0:8200/f/…) reach no visitor.
  if (givenPublicUrl === undefined && !isLoopback(host)) {
    throw new ConfigError(
      'VAULT_PUBLIC_URL',
      `is required when VAULT_HOST (${host}) is not a loopback address: set it to the address visitors' browsers open (e.g. https://vault.example.com)`,
    );
  }
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const writtenUrl = withoutTrailing(givenPublicUrl ?? `http://${bracketed}:${port}`, '/');
  // The pages' links, redirects and cookie paths are built under this path (a proxy's prefix).
  if (givenPublicUrl !== undefined && !isPlainPublicPath(writtenUrl)) {
    throw new ConfigError(
      'VAULT_PUBLIC_URL',
      "may end in a path of segments of letters, digits, '-', '.', '_', '~' and %-escapes, none empty, '.' or '..' (the pages' links and cookies are built under it)",
    );
  }
  // Scheme and host as the URL parser writes them: `HTTPS://Vault.Example` is https too (cookies, HSTS).
  const parsedUrl = new URL(writtenUrl);
  const publicPath = withoutTrailing(parsedUrl.pathname, '/');
  const publicUrl = `${parsedUrl.origin}${publicPath}`;

  const opsHost = env.VAULT_OPS_HOST || '127.0.0.1';
  const opsPort = integer(env, 'VAULT_OPS_PORT', 8201, 0, 65535);
  if (
    opsPort !== 0 &&
    opsPort === port &&
    (opsHost === host || ['0.0.0.0', '::'].includes(opsHost) || ['0.0.0.0', '::'].includes(host))
  ) {
    throw new ConfigError(
      'VAULT_OPS_PORT',
      `must differ from VAULT_PORT (${port}): /metrics and /readyz stay off the visitors' port`,
    );
  }

  const masterKey = env.VAULT_MASTER_KEY || undefined;
  if (masterKey !== undefined) checkMasterKey(masterKey);
  else if (production)
    throw new ConfigError('VAULT_MASTER_KEY', 'is required when NODE_ENV=production (base64 of 32 random bytes)');

  const databaseUrl = url(env, 'VAULT_DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url(env, 'VAULT_REDIS_URL', ['redis:', 'rediss:']);
  // Checked here too, so a bad one stops start-up before anything connects.
  if (databaseUrl !== undefined) postgresSchemaOf(new URL(databaseUrl));
  if (redisUrl !== undefined) redisPrefixOf(new URL(redisUrl));
  // ioredis sends "SELECT NaN" for /abc and crashed the vault on the reply.
  if (redisUrl !== undefined && !/^\/?(\d{1,5})?$/.test(new URL(redisUrl).pathname))
    throw new ConfigError('VAULT_REDIS_URL', 'may end only in a database number, e.g. redis://127.0.0.1:6379/0');
  // Instances sharing a database or Redis must share the key that wraps what they hold; a dev key
  // generated into each instance's own data dir would make one instance's data unreadable to the next.
  if (masterKey === undefined && (databaseUrl || redisUrl)) {
    throw new ConfigError(
      'VAULT_MASTER_KEY',
      'is required with VAULT_DATABASE_URL or VAULT_REDIS_URL: every instance must use the same key',
    );
  }

  const workerCount = workers(env, redisUrl);

  const logLevel = env.VAULT_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError('VAULT_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    host,
    port,
    publicUrl,
    publicPath,
    publicHttps: parsedUrl.protocol === 'https:',
    opsHost,
    opsPort,
    dataDir: path.resolve(unpadded(env, 'VAULT_DATA_DIR', './data')),
    masterKey,
    databaseUrl,
    redisUrl,
    logLevel,
    production,
    ttl: {
      openSeconds: integer(env, 'VAULT_LINK_OPEN_TTL_SECONDS', 300, 10, 86400),
      submitSeconds: integer(env, 'VAULT_SUBMIT_TTL_SECONDS', 1800, 10, 86400),
      detokenizeSeconds: integer(env, 'VAULT_DETOKENIZE_TTL_SECONDS', 30, 1, 3600),
      offRecordSeconds: integer(env, 'VAULT_OFF_RECORD_TTL_SECONDS', 300, 1, 86400),
      viewerOpenSeconds: integer(env, 'VAULT_VIEWER_OPEN_TTL_SECONDS', 60, 5, 600),
      viewerSessionSeconds: integer(env, 'VAULT_VIEWER_SESSION_SECONDS', 300, 10, 900),
    },
    retentionDays: integer(env, 'VAULT_RETENTION_DAYS', 396, 1, 36500),
    auditRetentionDays: integer(env, 'VAULT_AUDIT_RETENTION_DAYS', 365, 0, 36500),
    auditSink: {
      file: env.VAULT_AUDIT_SINK_FILE ? path.resolve(env.VAULT_AUDIT_SINK_FILE) : undefined,
      syslog: syslogTarget(env),
      intervalSeconds: integer(env, 'VAULT_AUDIT_SINK_SECONDS', 5, 1, 3600),
      batchEntries: integer(env, 'VAULT_AUDIT_SINK_BATCH', 1000, 1, 100_000),
    },
    rateLimit: {
      visitorPerMinute: integer(env, 'VAULT_RATE_LIMIT_VISITOR_PER_MINUTE', 60, 1, 1_000_000),
      visitorIpPerMinute: integer(env, 'VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE', 600, 1, 1_000_000),
      otkPerMinute: integer(env, 'VAULT_RATE_LIMIT_OTK_PER_MINUTE', 600, 1, 1_000_000),
      apiPerMinute: integer(env, 'VAULT_RATE_LIMIT_API_PER_MINUTE', 6000, 1, 10_000_000),
      authFailuresPerMinute: integer(env, 'VAULT_RATE_LIMIT_AUTH_FAILURES_PER_MINUTE', 30, 1, 1_000_000),
      failOpen: oneOf(env, 'VAULT_RATE_LIMIT_FAIL_OPEN', FAIL_OPEN_CHOICES, 'api'),
      viewerPerMinute: integer(env, 'VAULT_RATE_LIMIT_VIEWER_PER_MINUTE', 120, 1, 1_000_000),
    },
    requestTimeoutSeconds: integer(env, 'VAULT_REQUEST_TIMEOUT_SECONDS', 30, 1, 600),
    shutdownGraceSeconds: integer(env, 'VAULT_SHUTDOWN_GRACE_SECONDS', 10, 1, 600),
    sweepIntervalSeconds: integer(env, 'VAULT_SWEEP_INTERVAL_SECONDS', 15, 1, 3600),
    purgeIntervalSeconds: integer(env, 'VAULT_PURGE_INTERVAL_SECONDS', 3600, 1, 86400 * 7),
    auditSigningKey: env.VAULT_AUDIT_SIGNING_KEY || undefined,
    auditCheckpointSeconds: integer(env, 'VAULT_AUDIT_CHECKPOINT_SECONDS', 60, 1, 86400),
    trustProxy: trustProxy(env),
    workers: workerCount,
  };
}

/** The most workers VAULT_WORKERS may ask for: far above any one box's cores, low enough to catch a typo. */
export const MAX_WORKERS = 64;

/**
 * VAULT_WORKERS: a number of processes, or `auto` for one per core this process may use. More than
 * one needs Redis: workers share no memory, and the off-the-record values, ID&V answers, submit
 * claims and rate limits must be the same for every worker a visitor's requests reach.
 */
function workers(env: Env, redisUrl: string | undefined): number {
  const raw = (env.VAULT_WORKERS ?? '').trim();
  if (raw === '') return 1;
  let count: number;
  if (raw === 'auto') count = os.availableParallelism();
  else if (/^\d+$/.test(raw) && Number(raw) >= 1 && Number(raw) <= MAX_WORKERS) count = Number(raw);
  else
    throw new ConfigError('VAULT_WORKERS', `must be a whole number from 1 to ${MAX_WORKERS} or "auto", got "${raw}"`);
  if (count > 1 && !redisUrl) {
    throw new ConfigError(
      'VAULT_WORKERS',
      `${raw === 'auto' ? `auto (${count} cores here)` : count} needs VAULT_REDIS_URL: worker processes share no memory, ` +
        'so off-the-record values, ID&V answers, submit claims and rate limits must live in Redis. ' +
        'Set VAULT_REDIS_URL (and VAULT_MASTER_KEY), or VAULT_WORKERS=1 (docs/scale-out.md)',
    );
  }
  return count;
}

/**
 * VAULT_AUDIT_SINK_SYSLOG: `udp://host:port` of a syslog receiver (port 514 when left out).
 * VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES (default 2048): RFC 5426 (syslog over UDP) says every receiver
 * SHOULD take 2048-byte messages; larger ones depend on the receiver and the path (IP fragments, and
 * 65507 bytes is UDP's own ceiling). 1024 is the floor so an entry's marker always fits.
 */
function syslogTarget(env: Env): SyslogSinkConfig | undefined {
  // Read first: a bad size is refused even while no target is set (it would be taken when one is).
  const maxBytes = integer(env, 'VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES', 2048, 1024, 65_507);
  const raw = env.VAULT_AUDIT_SINK_SYSLOG;
  if (!raw) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError('VAULT_AUDIT_SINK_SYSLOG', 'must be udp://<host>:<port> (e.g. udp://127.0.0.1:514)');
  }
  // A user, password, query or fragment would be dropped without a word; port 0 reaches no receiver.
  const extras = parsed.username || parsed.password || parsed.search || parsed.hash || parsed.port === '0';
  if (parsed.protocol !== 'udp:' || !parsed.hostname || (parsed.pathname !== '' && parsed.pathname !== '/') || extras)
    throw new ConfigError('VAULT_AUDIT_SINK_SYSLOG', 'must be udp://<host>:<port> (e.g. udp://127.0.0.1:514)');
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 514,
    maxBytes,
  };
}

function checkMasterKey(value: string): void {
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 32 || withoutTrailing(bytes.toString('base64'), '=') !== withoutTrailing(value.trim(), '=')) {
    throw new ConfigError('VAULT_MASTER_KEY', 'must be base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)');
  }
}

/**
 * VAULT_AUDIT_SINK_FILE is a file, or one the vault can make (missing directories included): what
 * cannot be one stops start-up, not the first entry shipped, which only a metric would tell.
 */
export function checkAuditSinkFile(file: string | undefined): void {
  if (!file) return;
  if (fs.existsSync(file) && !fs.statSync(file).isFile())
    throw new ConfigError('VAULT_AUDIT_SINK_FILE', `${file} is not a file`);
  let nearest = path.dirname(file);
  while (!fs.existsSync(nearest) && path.dirname(nearest) !== nearest) nearest = path.dirname(nearest);
  if (!fs.statSync(nearest).isDirectory())
    throw new ConfigError('VAULT_AUDIT_SINK_FILE', `${nearest} is not a directory, so ${file} cannot be made`);
}

/** The data dir, made 0700 if need be: a path that cannot be one is VAULT_DATA_DIR's error. */
export function ensureDataDir(dataDir: string): void {
  try {
    ensurePrivateDir(dataDir);
  } catch (error) {
    throw new ConfigError('VAULT_DATA_DIR', `cannot be the vault's data directory: ${(error as Error).message}`);
  }
}

/** The dev master key file inside the data dir; created on first use. */
export function devMasterKeyPath(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

/**
 * The master key as bytes: from the environment, or (dev only) from the data dir, generated on
 * first start. `warn` is told when the dev key is used.
 */
export function resolveMasterKey(config: VaultConfig, generate: () => Buffer, warn: (msg: string) => void): Buffer {
  if (config.masterKey) return Buffer.from(config.masterKey, 'base64');
  const file = devMasterKeyPath(config.dataDir);
  ensureDataDir(config.dataDir);
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, generate().toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  warn(`VAULT_MASTER_KEY is not set: using the development key in ${file}. Set VAULT_MASTER_KEY in production.`);
  const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new ConfigError('VAULT_MASTER_KEY', `the development key file ${file} is damaged`);
  return key;
}
