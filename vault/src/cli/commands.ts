import pino from 'pino';
import fs from 'node:fs';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseAnchor, type AuditCheckpoint } from '../audit/checkpoint';
import { parsePublicKey } from '../crypto/audit-signing';
import { loadConfig, type VaultConfig } from '../config';
import { ConfigError, DuplicateError, OperationError, VaultError } from '../errors';
import { IDV_PASTE_TRADE_OFF, type SitePolicy } from '../service/sites';
import { LOGO_MAX_BYTES, LogoError } from '../validation/png';
import { backupVault, describeStorage, migrateVault, missingVault, openVault, restoreVault } from '../open-vault';

const USAGE = `usage: npm run vault:cli -- <command> [--init]
Works on the vault that VAULT_DATA_DIR (SQLite) or VAULT_DATABASE_URL (PostgreSQL) and
VAULT_MASTER_KEY point at, as the server does; says which on stderr. It refuses to create a new
vault there unless --init is given. Files named here are read and written where npm ran; an
argument a command does not take is refused.
  site add <siteId> --origin <url>   register a Rocket.Chat workspace; prints {"siteId","apiKey"} once
  site rekey <siteId>                a new API key (shown once); the old one stops working
  site remove <siteId>               delete a site and crypto-shred its data
  site list                          list registered sites (no keys)
  site manager-view <siteId> on|off  let the site's managers view values of open chats (off by default)
  site idv-paste <siteId> on|off     let visitors paste their whole ID&V secret, of which the page
                                     sends only the asked characters (WCAG 3.3.8; off by default;
                                     switching it on prints the trade-off)
  site viewer-copy <siteId> on|off   the viewer's Copy buttons (on by default); off, no value can be
                                     copied from the viewer page (PCI DSS 4.0 §3.4.2)
  site brand <siteId> --name <text> [--accent <#rrggbb>] [--logo <file.png>]
                                     pages show "<name> secure form", the logo (PNG only, at most
                                     64 KiB and 1024×512) and the accent colour (refused unless its
                                     contrast with the page meets WCAG AA); replaces the whole brand
  site brand <siteId> --clear        back to neutral pages
  keys rotate --site <siteId>        new key for new data; old keys stay for reading
  purge                              apply the retention policy now
  audit verify [--public-key <file>] [--anchor <file>]
                                     check the audit trail's hash chain and its signed checkpoints
                                     (with the public key alone; --anchor: checkpoint lines kept
                                     outside the vault, e.g. from the log, to catch truncation)
  backup <file>                      an online, consistent copy of the SQLite vault (the server may run);
                                     the master key is not in it: keep it apart (PostgreSQL: pg_dump)
  restore <file>                     make a backup the vault of an empty VAULT_DATA_DIR (server stopped);
                                     VAULT_MASTER_KEY must be the backed-up vault's
  migrate --to <postgres://…>        copy the SQLite vault into an empty PostgreSQL database (from an
                                     online snapshot), then check row counts and the audit trail;
                                     VAULT_MASTER_KEY must be set (to the SQLite vault's key)
  relay set <siteId> <relayId> --config <file.json> [--secret-header <name>]
                                     a payment-processor relay for the site (docs/relays.md); the
                                     secret header's value is read from stdin and stored sealed
  relay list <siteId>                the site's relays (never a secret)
  relay remove <siteId> <relayId>    delete a relay
  audit checkpoint                   sign the chain's head now; prints the checkpoint (the anchor)
  audit public-key                   print the public key that verifies checkpoints
  audit prune --before <ISO date>    audit retention: remove entries written before the date,
                                     after a signed prune checkpoint (the trail still verifies)
  audit export [--since <ISO date>]  the audit trail as JSON lines for a SIEM: one object per entry
                                     with its chain hashes, and the signed checkpoints (anchors)
  visitor erase --site <siteId> (--visitor <token> | --room <roomId>)
                                     erase one visitor's (or room's) requests for good (GDPR Art. 17)
  visitor export --site <siteId> (--visitor <token> | --room <roomId>) [--with-values]
                                     their request metadata as JSON (Art. 20); --with-values adds the
                                     values still held (audited)`;

class UsageError extends Error {}

/** The site switches' commands and the policy each sets. */
const SWITCHES: Record<string, SitePolicy> = {
  'manager-view': 'manager_view',
  'idv-paste': 'idv_paste',
  'viewer-copy': 'viewer_copy',
};

/** A command's arguments: positional ones by name, in order, and its options (text unless a flag). */
interface CommandSpec {
  positionals?: string[];
  options?: Record<string, 'string' | 'boolean'>;
}

/** Every command, with every argument it takes: anything else is refused before the vault opens. */
const COMMANDS: Record<string, CommandSpec> = {
  'site add': { positionals: ['<siteId>'], options: { origin: 'string' } },
  'site rekey': { positionals: ['<siteId>'] },
  'site remove': { positionals: ['<siteId>'] },
  'site list': {},
  'site manager-view': { positionals: ['<siteId>', 'on|off'] },
  'site idv-paste': { positionals: ['<siteId>', 'on|off'] },
  'site viewer-copy': { positionals: ['<siteId>', 'on|off'] },
  'site brand': {
    positionals: ['<siteId>'],
    options: { name: 'string', accent: 'string', logo: 'string', clear: 'boolean' },
  },
  'keys rotate': { options: { site: 'string' } },
  purge: {},
  'audit verify': { options: { 'public-key': 'string', anchor: 'string' } },
  'audit checkpoint': {},
  'audit public-key': {},
  'audit prune': { options: { before: 'string' } },
  'audit export': { options: { since: 'string' } },
  'visitor erase': { options: { site: 'string', visitor: 'string', room: 'string' } },
  'visitor export': { options: { site: 'string', visitor: 'string', room: 'string', 'with-values': 'boolean' } },
  backup: { positionals: ['<file>'] },
  restore: { positionals: ['<file>'] },
  migrate: { options: { to: 'string' } },
  'relay set': { positionals: ['<siteId>', '<relayId>'], options: { config: 'string', 'secret-header': 'string' } },
  'relay list': { positionals: ['<siteId>'] },
  'relay remove': { positionals: ['<siteId>', '<relayId>'] },
};

/** One command line, checked against its command's arguments. */
interface ParsedCommand {
  command: string;
  /** A positional argument by its name in COMMANDS. */
  arg: (name: string) => string;
  /** An option's value; `required` refuses the command without it. */
  option: (name: string, required?: 'required') => string | undefined;
  flag: (name: string) => boolean;
}

function parseCommand(args: string[]): ParsedCommand {
  const twoWords = `${args[0] ?? ''} ${args[1] ?? ''}`;
  const command = COMMANDS[twoWords] ? twoWords : (args[0] ?? '');
  const spec = COMMANDS[command];
  if (!spec || command.startsWith('-')) throw new UsageError(`unknown command "${twoWords.trim()}"`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: args.slice(command.split(' ').length),
      options: Object.fromEntries(Object.entries(spec.options ?? {}).map(([name, type]) => [name, { type }])),
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (error) {
    // parseArgs says which option it does not know, or which lacks its value (a TypeError of
    // Node's own, which jest's realm does not count as an Error).
    const message = (error as { message?: unknown }).message;
    throw new UsageError(`${command}: ${typeof message === 'string' ? message : 'bad arguments'}`);
  }
  // parseArgs keeps an option's last value: `--visitor A --visitor B` would act on B alone, unsaid.
  const given = (parsed.tokens ?? []).flatMap((token) => (token.kind === 'option' ? [token.name] : []));
  const twice = given.find((name, index) => given.indexOf(name) !== index);
  if (twice !== undefined) throw new UsageError(`${command}: --${twice} given more than once`);
  const names = spec.positionals ?? [];
  const extra = parsed.positionals.slice(names.length);
  // Not quoted: a URL given without its option may hold a password.
  if (extra.length > 0) throw new UsageError(`${command}: one argument more than it takes`);
  return {
    command,
    arg: (name) => {
      const value = parsed.positionals[names.indexOf(name)];
      if (!value) throw new UsageError(`${name} is required`);
      return value;
    },
    option: (name, required) => {
      const value = parsed.values[name];
      if (typeof value === 'string' && value !== '') return value;
      if (required || value !== undefined) throw new UsageError(`--${name} <value> is required`);
      return undefined;
    },
    flag: (name) => parsed.values[name] === true,
  };
}

/** A file an option names, as text: one that cannot be read is a failure naming both. */
function readOptionFile(name: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new OperationError(`--${name} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
}

/** `--anchor <file>`: every line of it that is a checkpoint (a copy from the log or a SIEM). */
function readAnchors(file: string): AuditCheckpoint[] {
  const lines = readOptionFile('anchor', file)
    .split('\n')
    .filter((line) => line.includes('"signature"'));
  if (lines.length === 0) throw new OperationError(`--anchor ${file} holds no audit checkpoint line.`);
  return lines.map((line) => parseAnchor(line));
}

/** `--public-key <file>`: the Ed25519 key `audit public-key` printed. */
function readPublicKey(file: string): KeyObject {
  const text = readOptionFile('public-key', file);
  try {
    return parsePublicKey(text);
  } catch {
    throw new OperationError(`--public-key ${file} is not an Ed25519 public key (PEM, or base64 of its SPKI DER).`);
  }
}

/** A logo file's bytes; one too large is refused before it is read. */
function readLogo(file: string): Buffer {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new LogoError(`--logo ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  if (!stat.isFile()) throw new LogoError(`--logo ${file} is not a file.`);
  const size = stat.size;
  if (size > LOGO_MAX_BYTES) {
    throw new LogoError(`${file} is ${size} bytes; at most ${LOGO_MAX_BYTES} bytes (64 KiB) are accepted.`);
  }
  return fs.readFileSync(file);
}

/** Runs one command; returns the exit code. Output is one JSON line on stdout per command. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads a secret from stdin (only `relay set --secret-header` asks). */
  readSecret?: () => string;
}

/**
 * A prune never reaches entries the vault's own audit retention keeps (a mistyped year would erase
 * the whole trail behind a checkpoint that still verifies); with VAULT_AUDIT_RETENTION_DAYS=0, not
 * past now.
 */
function checkPruneDate(before: number, now: number, retentionDays: number): void {
  const latest = now - retentionDays * 24 * 60 * 60 * 1000;
  if (before <= latest) return;
  const day = new Date(latest).toISOString().slice(0, 10);
  throw new OperationError(
    retentionDays > 0
      ? `--before would remove entries younger than VAULT_AUDIT_RETENTION_DAYS (${retentionDays}) keeps: give a date up to ${day}.`
      : '--before is in the future: give a date up to now.',
  );
}

/**
 * `migrate --to`'s target, configured as a server on it would be (same checks, same master key
 * rule). The source is the SQLite vault of VAULT_DATA_DIR: with VAULT_DATABASE_URL set the CLI
 * would read PostgreSQL instead, and say "no vault here" or "already on PostgreSQL".
 */
function migrationTarget(source: VaultConfig, env: Record<string, string | undefined>, to: string): VaultConfig {
  if (source.databaseUrl)
    throw new OperationError(
      'migrate copies the SQLite vault of VAULT_DATA_DIR into --to: unset VAULT_DATABASE_URL for this command.',
    );
  try {
    return loadConfig({ ...env, VAULT_DATABASE_URL: to, VAULT_REDIS_URL: '' });
  } catch (error) {
    if (error instanceof ConfigError && error.variable === 'VAULT_MASTER_KEY' && !env.VAULT_MASTER_KEY)
      throw new ConfigError('VAULT_MASTER_KEY', "migrate needs it set to the SQLite vault's master key (base64).");
    // The URL came from --to (VAULT_DATABASE_URL is unset here): name what the admin typed.
    if (error instanceof ConfigError && error.variable === 'VAULT_DATABASE_URL')
      throw new ConfigError('--to', error.message.slice('VAULT_DATABASE_URL: '.length));
    throw error;
  }
}

/** Runs one command against the vault `env` configures; returns the exit code. */
export async function runCli(args: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  try {
    return await run(args, env, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`vault:cli: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof ConfigError) io.err(`vault:cli: configuration error: ${error.message}`);
    else if (error instanceof LogoError) io.err(`vault:cli: ${error.message}`);
    else if (error instanceof VaultError || error instanceof DuplicateError || error instanceof OperationError)
      io.err(`vault:cli: ${error.message}`);
    else io.err(`vault:cli: failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

async function run(allArgs: string[], env: Record<string, string | undefined>, io: CliIo): Promise<number> {
  if (allArgs.some((arg) => arg === '--help' || arg === '-h') || allArgs[0] === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (allArgs.length === 0) {
    io.err(USAGE);
    return 2;
  }
  const init = allArgs.includes('--init');
  const line = parseCommand(allArgs.filter((arg) => arg !== '--init'));
  const { command, arg, option, flag } = line;
  // npm runs the vault's scripts in vault/: a file named on the command line is read or written
  // where the admin ran npm (INIT_CWD), as they would expect.
  const file = (name: string) => path.resolve(env.INIT_CWD || process.cwd(), name);

  const config = loadConfig(env);
  const migrateTo = command === 'migrate' ? migrationTarget(config, env, option('to', 'required')!) : undefined;
  io.err(`vault:cli: using ${describeStorage(config)}`);
  const logger = pino(
    { level: 'warn', base: null, timestamp: false },
    { write: (line: string) => io.err(line.trimEnd()) },
  );
  if (command === 'restore') {
    io.out(JSON.stringify(await restoreVault(config, file(arg('<file>')), logger)));
    return 0;
  }
  const missing = init ? undefined : await missingVault(config);
  if (missing) {
    io.err(
      `vault:cli: no vault here (${missing}). Point VAULT_DATA_DIR or VAULT_DATABASE_URL (and ` +
        "VAULT_MASTER_KEY) at the server's vault, or pass --init to create a new one here.",
    );
    return 1;
  }
  if (command === 'migrate' && migrateTo) {
    io.err(`vault:cli: copying into ${describeStorage(migrateTo)}`);
    io.out(JSON.stringify(await migrateVault(config, migrateTo, logger)));
    io.err('vault:cli: done. Stop the SQLite vault, then start it with VAULT_DATABASE_URL set to the target.');
    return 0;
  }
  if (command === 'backup') {
    const report = await backupVault(config, file(arg('<file>')));
    io.out(JSON.stringify(report));
    io.err(
      "vault:cli: the backup is readable only with this vault's master key, which is not in it: keep " +
        'VAULT_MASTER_KEY (or the dev key file master.key) safe and apart from the backup.',
    );
    return 0;
  }
  // Commands that wrap, seal or sign with the master key refuse one that opens no site's key; the
  // others (listing, erasing, exporting, verifying) work without it, as a lost key may need them to.
  const usesMasterKey = ['site add', 'keys rotate', 'purge', 'audit checkpoint', 'audit prune', 'relay set'];
  const vault = await openVault(config, { logger, checkMasterKey: usesMasterKey.includes(command) });
  try {
    const out = (value: unknown) => io.out(JSON.stringify(value));
    switch (command) {
      case 'site add':
        out(await vault.sites.addSite(arg('<siteId>'), option('origin', 'required')!));
        return 0;
      case 'site rekey':
        out(await vault.sites.replaceApiKey(arg('<siteId>')));
        return 0;
      case 'site remove': {
        const siteId = arg('<siteId>');
        if (!(await vault.sites.removeSite(siteId))) throw new VaultError('not_found', `There is no site "${siteId}".`);
        out({ siteId, removed: true });
        return 0;
      }
      case 'site list':
        out(
          (await vault.storage.listSites()).map(({ siteId, origin, createdAt }) => ({
            siteId,
            origin,
            createdAt: new Date(createdAt).toISOString(),
          })),
        );
        return 0;
      case 'site manager-view':
      case 'site idv-paste':
      case 'site viewer-copy': {
        const name = command.slice('site '.length);
        const siteId = arg('<siteId>');
        const setting = arg('on|off');
        if (setting !== 'on' && setting !== 'off') throw new UsageError(`${name} takes "on" or "off"`);
        await vault.sites.setPolicy(siteId, SWITCHES[name], setting === 'on');
        out({ siteId, [name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase())]: setting === 'on' });
        if (name === 'idv-paste' && setting === 'on') io.err(`vault:cli: ${IDV_PASTE_TRADE_OFF}`);
        return 0;
      }
      case 'site brand': {
        const siteId = arg('<siteId>');
        if (flag('clear')) {
          // Clearing and setting at once would do one and drop the other without a word.
          if (['name', 'accent', 'logo'].some((name) => option(name) !== undefined))
            throw new UsageError('--clear takes no --name, --accent or --logo');
          await vault.sites.clearBrand(siteId);
          out({ siteId, brand: null });
          return 0;
        }
        const brand = await vault.sites.setBrand(siteId, {
          displayName: option('name', 'required')!,
          accentColour: option('accent'),
          logo: option('logo') === undefined ? undefined : readLogo(file(option('logo')!)),
        });
        out({ siteId, brand: { displayName: brand.displayName, accentColour: brand.accentColour, logo: brand.logo } });
        return 0;
      }
      case 'relay set': {
        const siteId = arg('<siteId>');
        const relayId = arg('<relayId>');
        const configFile = file(option('config', 'required')!);
        let config: unknown;
        try {
          config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
        } catch (error) {
          // The command was right; the file is not: a failure, as a bad relay inside it is.
          throw new VaultError(
            'bad_request',
            `${configFile} is not readable JSON (${error instanceof Error ? error.message : 'error'}).`,
          );
        }
        const secretHeader = option('secret-header');
        const secret = secretHeader ? { name: secretHeader, value: (io.readSecret?.() ?? '').trim() } : undefined;
        out(await vault.relays.configure(siteId, relayId, config, secret));
        return 0;
      }
      case 'relay list': {
        const siteId = arg('<siteId>');
        // A mistyped site is not a site without relays.
        if (!(await vault.storage.getSite(siteId))) throw new VaultError('not_found', `There is no site "${siteId}".`);
        out(await vault.relays.list(siteId));
        return 0;
      }
      case 'relay remove': {
        const siteId = arg('<siteId>');
        const relayId = arg('<relayId>');
        if (!(await vault.relays.remove(siteId, relayId))) {
          throw new VaultError('not_found', `Site "${siteId}" has no relay "${relayId}".`);
        }
        out({ siteId, relayId, removed: true });
        return 0;
      }
      case 'keys rotate': {
        const siteId = option('site', 'required')!;
        out({ siteId, kid: await vault.sites.rotateKey(siteId) });
        return 0;
      }
      case 'purge':
        out(await vault.retention.purge('cli'));
        return 0;
      case 'audit checkpoint':
        out((await vault.audit.checkpoint()) ?? (await vault.storage.latestCheckpoint()) ?? null);
        return 0;
      case 'audit public-key':
        out({ keyId: vault.audit.publicKey.keyId, publicKey: vault.audit.publicKey.pem });
        return 0;
      case 'audit prune': {
        const before = Date.parse(option('before', 'required')!);
        if (Number.isNaN(before)) throw new UsageError('--before takes a date, e.g. 2025-01-01');
        checkPruneDate(before, vault.clock(), vault.config.auditRetentionDays);
        out(await vault.audit.prune(before));
        return 0;
      }
      case 'audit export': {
        const since = option('since') === undefined ? 0 : Date.parse(option('since')!);
        if (Number.isNaN(since)) throw new UsageError('--since takes a date, e.g. 2025-01-01T00:00:00Z');
        let cursor = await vault.audit.exportStart(since);
        let lines = 0;
        for (;;) {
          const batch = await vault.audit.exportBatch(cursor);
          for (const line of batch.lines) io.out(JSON.stringify(line));
          lines += batch.lines.length;
          cursor = batch.cursor;
          if (batch.lines.length === 0) break;
        }
        await vault.audit.recordExport('cli', { since: new Date(since).toISOString(), lines });
        return 0;
      }
      case 'visitor erase':
      case 'visitor export': {
        const siteId = option('site', 'required')!;
        if (!(await vault.storage.getSite(siteId))) throw new VaultError('not_found', `There is no site "${siteId}".`);
        const visitorToken = option('visitor');
        const roomId = option('room');
        if ((visitorToken === undefined) === (roomId === undefined))
          throw new UsageError('give exactly one of --visitor and --room');
        const selector = visitorToken !== undefined ? { visitorToken } : { roomId: roomId! };
        out(
          command === 'visitor erase'
            ? await vault.visitorData.erase(siteId, selector, 'cli')
            : await vault.visitorData.export(siteId, selector, 'cli', { withValues: flag('with-values') }),
        );
        return 0;
      }
      default: {
        const keyFile = option('public-key');
        const anchorFile = option('anchor');
        const report = await vault.audit.verify({
          publicKey: keyFile ? readPublicKey(file(keyFile)) : undefined,
          anchors: anchorFile ? readAnchors(file(anchorFile)) : [],
        });
        out(report);
        if (!report.ok) io.err(`audit chain broken at entry ${report.brokenAt}: ${report.reason}`);
        if (report.otherKeyId && !keyFile)
          io.err(
            "vault:cli: this vault's checkpoint key comes from VAULT_AUDIT_SIGNING_KEY, else VAULT_MASTER_KEY: " +
              'if that is not the key the vault signs with, every checkpoint fails. Verify with ' +
              '--public-key <the public key the vault published> to tell a wrong key from a forgery.',
          );
        return report.ok ? 0 : 1;
      }
    }
  } finally {
    await vault.close();
  }
}
