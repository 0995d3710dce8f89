/**
 * Over UDP every syslog message stays within VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES (default 2048, what
 * RFC 5426 says every receiver should take). An audit entry too long for that (here a 100 kB detail,
 * more than a UDP datagram can carry at all) goes out truncated and marked, with its seq and stored
 * hash and the export command that gives it whole, so the sink moves on to the next entry; it is
 * logged, never dropped silently.
 */
import dgram from 'node:dgram';
import { runCli } from '../src/cli/commands';
import type { ExportLine } from '../src/audit/export';
import { auditEvent } from '../src/audit/events';
import { syslogMessage } from '../src/audit/syslog-message';
import { ConfigError } from '../src/errors';
import { startTestVault, testConfig, type TestVault } from './helpers/vault';

type Shipped = ExportLine & { truncated?: { bytes: number; maxBytes: number; whole: string } };

describe('syslog lines fit one datagram', () => {
  let vault: TestVault | undefined;
  let receiver: dgram.Socket;
  const datagrams: Buffer[] = [];

  beforeEach(async () => {
    datagrams.length = 0;
    receiver = dgram.createSocket('udp4');
    receiver.on('message', (message) => datagrams.push(message));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await vault?.close();
    vault = undefined;
    receiver.close();
  });

  it('an entry longer than the limit is sent cut and marked, with how to get it whole, and the sink moves on', async () => {
    const base = testConfig();
    const env = { VAULT_DATA_DIR: base.dataDir, VAULT_MASTER_KEY: base.masterKey! };
    vault = await startTestVault({
      config: testConfig({ ...env, VAULT_AUDIT_SINK_SYSLOG: `udp://127.0.0.1:${receiver.address().port}` }),
    });
    const { storage, auditSink } = vault.app.vault;
    // Long details happen (an erasure lists every request id); these carry multi-byte text too.
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `req-${i}-ü€😀`);
    const at = Date.now();
    await storage.appendAudit(auditEvent('visitor.erase', { at, actor: 'cli', detail: { requestIds: ids(5000) } }));
    await storage.appendAudit(auditEvent('visitor.erase', { at, actor: 'cli', detail: { requestIds: ids(200) } }));
    await vault.app.vault.sites.addSite('after', 'http://chat.test', 'test');

    expect(await auditSink!.flush()).toEqual({ syslog: 4 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(datagrams).toHaveLength(4);
    for (const datagram of datagrams) expect(datagram.length).toBeLessThanOrEqual(2048);
    const shipped = datagrams.map((d) => {
      const text = d.toString('utf8');
      expect(text).toMatch(/^<110>1 \S+ \S+ idv-vault - audit - \{/);
      return JSON.parse(text.slice(text.indexOf(' - audit - ') + 11)) as Shipped;
    });
    expect(shipped.map((l) => (l.type === 'audit.entry' ? l.action : l.type))).toEqual([
      'site.add',
      'visitor.erase',
      'visitor.erase',
      'site.add',
    ]);
    expect(shipped[0].truncated).toBeUndefined();
    expect(shipped[3].truncated).toBeUndefined();

    const stored = await storage.readAudit(0, 10);
    for (const i of [1, 2]) {
      const line = shipped[i];
      const entry = stored[i];
      if (line.type !== 'audit.entry') throw new Error('not an entry');
      // Every field but the end of detail, the stored hash, and a marker saying what happened.
      expect(line).toMatchObject({ seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash, actor: 'cli' });
      expect(entry.detail!.startsWith(line.detail!)).toBe(true);
      expect(line.detail!.length).toBeGreaterThan(1000);
      expect(line.truncated).toEqual({
        bytes: Buffer.byteLength(JSON.stringify({ type: 'audit.entry', time: line.time, ...entry }), 'utf8'),
        maxBytes: 2048,
        whole: `npm run vault:cli -- audit export --since ${new Date(at).toISOString()}`,
      });
      // Nothing dropped in silence: one warning per cut entry, with its seq.
      expect(
        vault.logs.lines.filter((l) => l.includes(`"seq":${entry.seq},`) && l.includes('sent truncated')),
      ).toHaveLength(1);
    }

    // The command in the marker gives the entry whole, with a hash that checks.
    await vault.close();
    vault = undefined;
    const out: string[] = [];
    const since = shipped[1].truncated!.whole.split(' --since ')[1];
    expect(
      await runCli(['audit', 'export', '--since', since], env, { out: (l) => out.push(l), err: () => undefined }),
    ).toBe(0);
    const whole = out.map((l) => JSON.parse(l) as ExportLine).find((l) => l.seq === shipped[1].seq);
    expect(whole).toMatchObject({ type: 'audit.entry', hash: stored[1].hash, detail: stored[1].detail });
  });

  it('the limit is VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES, from 1024 to 65507 (UDP over IPv4)', () => {
    const syslog = (max?: string) =>
      testConfig({
        VAULT_AUDIT_SINK_SYSLOG: 'udp://127.0.0.1:514',
        ...(max ? { VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES: max } : {}),
      }).auditSink.syslog;
    expect(syslog()?.maxBytes).toBe(2048);
    expect(syslog('8192')?.maxBytes).toBe(8192);
    expect(() => syslog('512')).toThrow(ConfigError);
    expect(() => syslog('65508')).toThrow(ConfigError);
    // Refused without a target too: it would be taken as it is the day one is set.
    expect(() => testConfig({ VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES: 'garbage' })).toThrow(
      /^VAULT_AUDIT_SINK_SYSLOG_MAX_BYTES: /,
    );

    // Even with the longest hostname RFC 5424 allows and nothing in detail to cut, 1024 bytes hold the marker.
    const line: ExportLine = {
      type: 'audit.entry',
      time: new Date().toISOString(),
      seq: 1,
      at: Date.now(),
      siteId: 's'.repeat(300),
      actor: 'a'.repeat(300),
      action: 'site.add',
      requestId: null,
      detail: null,
      prevHash: '0'.repeat(64),
      hash: 'f'.repeat(64),
    };
    const message = syslogMessage(line, { hostname: 'h'.repeat(255), maxBytes: 1024 });
    expect(Buffer.byteLength(message.text)).toBeLessThanOrEqual(1024);
    expect(JSON.parse(message.text.slice(message.text.indexOf(' - audit - ') + 11))).toEqual({
      type: 'audit.entry',
      time: line.time,
      seq: 1,
      hash: line.hash,
      truncated: message.truncated,
    });
  });
});
