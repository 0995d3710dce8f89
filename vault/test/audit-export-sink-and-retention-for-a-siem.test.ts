/**
 * The audit trail leaves the vault for a SIEM: `vault:cli audit export` prints it as JSON lines
 * (each entry with its chain hashes, the signed checkpoints in between), the continuous sink ships
 * the same lines to a file and to syslog as they are written, and audit retention (12 months by
 * default, apart from the data's) prunes only behind a signed checkpoint. On SQLite and PostgreSQL.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../src/cli/commands';
import type { ExportLine } from '../src/audit/export';
import { buildApp } from '../src/http/app';
import { chainHash } from '../src/storage/audit-chain';
import { requirePostgres, TestSchema } from './helpers/backends';
import { cardForm, LogCapture, startTestVault, TestClock, tempDir, testConfig, type TestVault } from './helpers/vault';

jest.setTimeout(60_000);

async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

const entries = (lines: ExportLine[]) => lines.filter((l) => l.type === 'audit.entry');
const checkpoints = (lines: ExportLine[]) => lines.filter((l) => l.type === 'audit.checkpoint');

/** Each entry line links to the one before and its hash is the chain's: a SIEM can recheck it. */
function expectChained(lines: ExportLine[]): void {
  let previous: ExportLine | undefined;
  for (const line of entries(lines)) {
    if (line.type !== 'audit.entry') continue;
    expect(line.hash).toBe(chainHash(line.prevHash, line.seq, line));
    if (previous && previous.type === 'audit.entry') {
      expect(line.seq).toBe(previous.seq + 1);
      expect(line.prevHash).toBe(previous.hash);
    }
    previous = line;
  }
}

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('audit export on %s', (_name, postgres) => {
  let schema: TestSchema | undefined;
  let env: Record<string, string>;
  let vault: TestVault | undefined;

  beforeEach(async () => {
    const base = testConfig();
    env = { VAULT_DATA_DIR: base.dataDir, VAULT_MASTER_KEY: base.masterKey! };
    if (postgres) {
      await requirePostgres();
      schema = new TestSchema();
      env.VAULT_DATABASE_URL = schema.url();
    }
  });
  afterEach(async () => {
    await vault?.close();
    vault = undefined;
    await schema?.drop();
    schema = undefined;
  });

  async function start(extra: Record<string, string> = {}, clock?: TestClock): Promise<TestVault> {
    vault = await startTestVault({ config: testConfig({ ...env, ...extra }), clock: clock?.now });
    return vault;
  }

  it('vault:cli audit export prints every entry with its hashes and the signed checkpoints, as JSON lines', async () => {
    const running = await start();
    for (const roomId of ['r1', 'r2']) await running.call('POST', '/v1/requests', cardForm({ roomId }));
    const checkpoint = await running.app.vault.audit.checkpoint();
    await running.call('POST', '/v1/requests', cardForm({ roomId: 'r3' }));
    await running.close();
    vault = undefined;

    const exported = await cli(['audit', 'export'], env);
    expect(exported.code).toBe(0);
    const lines = exported.out.map((l) => JSON.parse(l) as ExportLine);
    expect(entries(lines).map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    expect(entries(lines).map((l) => (l.type === 'audit.entry' ? l.action : ''))).toEqual([
      'site.add',
      'request.create',
      'request.create',
      'request.create',
    ]);
    expectChained(lines);
    // The checkpoint comes right after the entry it pins.
    const at = lines.findIndex((l) => l.type === 'audit.checkpoint');
    expect(lines[at]).toMatchObject({ kind: 'head', seq: checkpoint!.seq, signature: checkpoint!.signature });
    expect(lines[at - 1]).toMatchObject({ type: 'audit.entry', seq: checkpoint!.seq });
    expect(lines[0]).toMatchObject({ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    // The export file is an anchor file: the checkpoints in it check the trail.
    const file = path.join(tempDir(), 'export.jsonl');
    fs.writeFileSync(file, `${exported.out.join('\n')}\n`);
    expect((await cli(['audit', 'verify', '--anchor', file], env)).code).toBe(0);

    // Taking an export is audited; --since leaves out what came before.
    const since = await cli(['audit', 'export', '--since', new Date(Date.now() + 60_000).toISOString()], env);
    expect(since.code).toBe(0);
    expect(entries(since.out.map((l) => JSON.parse(l) as ExportLine))).toEqual([]);
    const again = (await cli(['audit', 'export'], env)).out.map((l) => JSON.parse(l) as ExportLine);
    expect(entries(again).slice(-2)).toMatchObject([
      { action: 'audit.export', actor: 'cli' },
      { action: 'audit.export', actor: 'cli' },
    ]);
    expect((await cli(['audit', 'export', '--since', 'yesterday-ish'], env)).code).toBe(2);
  });

  it('the sink ships new entries and checkpoints to a file and to syslog, and the file resumes where it stopped', async () => {
    const receiver = dgram.createSocket('udp4');
    const datagrams: string[] = [];
    receiver.on('message', (message) => datagrams.push(message.toString('utf8')));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    const file = path.join(tempDir(), 'siem', 'audit.jsonl');
    const sink = { VAULT_AUDIT_SINK_FILE: file, VAULT_AUDIT_SINK_SYSLOG: `udp://127.0.0.1:${receiver.address().port}` };
    try {
      const running = await start(sink);
      await running.call('POST', '/v1/requests', cardForm({ roomId: 'r1' }));
      await running.app.vault.audit.checkpoint();
      expect(await running.app.vault.auditSink!.flush()).toEqual({ file: 3, syslog: 3 });
      await running.close();
      vault = undefined;
      // Written while no vault ran (the CLI): the file picks it up, syslog starts at the head.
      expect((await cli(['site', 'add', 'extra', '--origin', 'http://chat.test'], env)).code).toBe(0);
      const restarted = await buildApp(testConfig({ ...env, ...sink }), { logStream: new LogCapture() });
      try {
        await restarted.vault.sites.addSite('extra-2', 'http://chat.test', 'test');
        expect(await restarted.vault.auditSink!.flush()).toEqual({ file: 2, syslog: 1 });
      } finally {
        await restarted.close();
      }
      const lines = fs
        .readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as ExportLine);
      expect(lines.map((l) => `${l.type}:${l.seq}`)).toEqual([
        'audit.entry:1',
        'audit.entry:2',
        'audit.checkpoint:2',
        'audit.entry:3',
        'audit.entry:4',
      ]);
      expectChained(lines);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      // The directory the sink made for it is the vault's own too.
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);

      await new Promise((resolve) => setTimeout(resolve, 200));
      // RFC 5424, facility 13 (log audit), severity informational; the message is the JSON line.
      for (const datagram of datagrams) expect(datagram).toMatch(/^<110>1 \S+ \S+ idv-vault - audit - \{/);
      const shipped = datagrams.map((d) => JSON.parse(d.slice(d.indexOf(' - audit - ') + 11)) as ExportLine);
      expect(shipped.map((l) => `${l.type}:${l.seq}`)).toEqual([
        'audit.entry:1',
        'audit.entry:2',
        'audit.checkpoint:2',
        'audit.entry:4',
      ]);
    } finally {
      receiver.close();
    }
  });

  it('audit retention (default 12 months, apart from the data) prunes behind a signed checkpoint; the trail still verifies', async () => {
    expect(testConfig().auditRetentionDays).toBe(365);
    const clock = new TestClock();
    const running = await start({ VAULT_AUDIT_RETENTION_DAYS: '30' }, clock);
    await running.call('POST', '/v1/requests', cardForm({ roomId: 'old' }));
    clock.advance(31 * 86400);
    await running.call('POST', '/v1/requests', cardForm({ roomId: 'new' }));
    const counts = await running.app.vault.retention.purge();
    // Data retention (13 months) removed nothing; audit retention removed the two old entries.
    expect(counts).toMatchObject({ requests: 0, records: 0, auditEntries: 2 });
    expect((await running.app.vault.audit.verify()).ok).toBe(true);
    const lines: ExportLine[] = [];
    for (let cursor = { entrySeq: 0, checkpointSeq: -1 }; ;) {
      const batch = await running.app.vault.audit.exportBatch(cursor);
      lines.push(...batch.lines);
      cursor = batch.cursor;
      if (batch.lines.length === 0) break;
    }
    expect(entries(lines)[0]).toMatchObject({ seq: 3, action: 'request.create' });
    expect(checkpoints(lines)).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'prune', seq: 2 })]));
    expect(entries(lines).at(-1)).toMatchObject({ action: 'audit.prune' });
    expectChained(lines);

    // 0 keeps the trail for ever.
    expect(testConfig({ VAULT_AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays).toBe(0);
  });
});
