/**
 * Each audit sink target stands on its own: a file that cannot be written (a directory in its
 * place, as a full disk or lost permissions would) does not keep syslog from its entries, and a
 * syslog that cannot be reached does not hold the file back. Each keeps its own position and resumes
 * from its own last delivered entry; each failure is logged when it starts and its end once (not
 * every step), and /metrics shows each target's lag and whether it is failing.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import type { ExportLine } from '../src/audit/export';
import type { SinkTarget } from '../src/service/audit-sink';
import { startTestVault, tempDir, testConfig, type TestVault } from './helpers/vault';

const entrySeqs = (lines: ExportLine[]) => lines.filter((l) => l.type === 'audit.entry').map((l) => l.seq);
const fromFile = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ExportLine);

describe('audit sink targets fail and recover apart', () => {
  let vault: TestVault | undefined;
  let receiver: dgram.Socket;
  const datagrams: string[] = [];

  beforeEach(async () => {
    datagrams.length = 0;
    receiver = dgram.createSocket('udp4');
    receiver.on('message', (message) => datagrams.push(message.toString('utf8')));
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await vault?.close();
    vault = undefined;
    receiver.close();
  });

  async function start(file: string): Promise<TestVault> {
    const syslog = `udp://127.0.0.1:${receiver.address().port}`;
    vault = await startTestVault({
      config: testConfig({ VAULT_AUDIT_SINK_FILE: file, VAULT_AUDIT_SINK_SYSLOG: syslog }),
    });
    return vault;
  }

  const received = () => datagrams.map((d) => JSON.parse(d.slice(d.indexOf(' - audit - ') + 11)) as ExportLine);

  /**
   * What the receiver got once `entries` audit entries arrived (UDP on a loaded box can take more
   * than a moment), or by a 5 s deadline; then a moment more, so an entry sent twice shows.
   */
  async function shipped(entries: number): Promise<ExportLine[]> {
    const deadline = Date.now() + 5000;
    while (entrySeqs(received()).length < entries && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    return received();
  }

  const logged = (running: TestVault, message: string) =>
    running.logs.lines
      .map((l) => JSON.parse(l) as { msg: string; auditSink?: string })
      .filter((l) => l.msg.startsWith(message));

  async function metric(running: TestVault, name: string, target: string): Promise<number> {
    const body = (await running.app.ops.inject({ method: 'GET', url: '/metrics' })).body;
    const match = new RegExp(`^${name}\\{target="${target}"\\} (\\d+)$`, 'm').exec(body);
    if (!match) throw new Error(`no ${name}{target="${target}"} in /metrics`);
    return Number(match[1]);
  }

  it('a file sink that cannot be a file, or syslog with parts it would drop, stops start-up naming the variable', async () => {
    const dir = tempDir();
    const aFile = path.join(dir, 'plain');
    fs.writeFileSync(aFile, '');
    for (const [file, says] of [
      [dir, `VAULT_AUDIT_SINK_FILE: ${dir} is not a file`],
      [path.join(aFile, 'audit.jsonl'), `VAULT_AUDIT_SINK_FILE: ${aFile} is not a directory, so`],
    ]) {
      await expect(startTestVault({ config: testConfig({ VAULT_AUDIT_SINK_FILE: file }) })).rejects.toThrow(says);
    }
    // Missing directories are made, as before.
    const nested = path.join(dir, 'a', 'b', 'audit.jsonl');
    const running = await startTestVault({ config: testConfig({ VAULT_AUDIT_SINK_FILE: nested }) });
    await running.close();
    for (const syslog of [
      'udp://127.0.0.1:0',
      'udp://u:pw@127.0.0.1:514',
      'udp://127.0.0.1:514?x=1',
      'udp://127.0.0.1:514#f',
    ]) {
      expect(() => testConfig({ VAULT_AUDIT_SINK_SYSLOG: syslog })).toThrow(
        'VAULT_AUDIT_SINK_SYSLOG: must be udp://<host>:<port> (e.g. udp://127.0.0.1:514)',
      );
    }
  });

  it('a file that cannot be written does not hold syslog back, and catches up from its own position', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const running = await start(file);
    // Made after start (which refuses a directory there): appendFile fails with EISDIR, step after step.
    fs.mkdirSync(file);
    const sink = running.app.vault.auditSink!;
    for (const id of ['s1', 's2']) await running.app.vault.sites.addSite(id, 'http://chat.test', 'test');
    expect(await sink.flush()).toEqual({ file: 0, syslog: 3 });
    await running.app.vault.sites.addSite('s3', 'http://chat.test', 'test');
    expect(await sink.flush()).toEqual({ file: 0, syslog: 1 });
    expect(await sink.flush()).toEqual({ file: 0, syslog: 0 });
    expect(entrySeqs(await shipped(4))).toEqual([1, 2, 3, 4]);

    // Logged once for three failed flushes, not once each.
    const failing = logged(running, 'audit sink target failing');
    expect(failing).toHaveLength(1);
    expect(failing[0]).toMatchObject({ auditSink: 'file', reason: 'EISDIR' });
    expect(await metric(running, 'vault_audit_sink_failing', 'file')).toBe(1);
    expect(await metric(running, 'vault_audit_sink_failing', 'syslog')).toBe(0);
    expect(await metric(running, 'vault_audit_sink_lag_entries', 'file')).toBe(4);
    expect(await metric(running, 'vault_audit_sink_lag_entries', 'syslog')).toBe(0);

    // The disk is back: the file gets the whole trail from its own start, syslog nothing twice.
    fs.rmdirSync(file);
    expect(await sink.flush()).toEqual({ file: 4, syslog: 0 });
    expect(entrySeqs(fromFile(file))).toEqual([1, 2, 3, 4]);
    expect(logged(running, 'audit sink target delivering again')).toEqual([
      expect.objectContaining({ auditSink: 'file', failedAttempts: 3 }),
    ]);
    expect(await metric(running, 'vault_audit_sink_failing', 'file')).toBe(0);
    expect(await metric(running, 'vault_audit_sink_lag_entries', 'file')).toBe(0);
    expect(logged(running, 'audit sink target failing')).toHaveLength(1);
  });

  it('a syslog that cannot be reached does not hold the file back, and resumes after its last delivered entry', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    const running = await start(file);
    const sink = running.app.vault.auditSink!;
    const syslog = sink.targets.find((t) => t.name === 'syslog')!;
    await running.app.vault.sites.addSite('s1', 'http://chat.test', 'test');
    expect(await sink.flush()).toEqual({ file: 2, syslog: 2 });

    // The network to the receiver goes away for two flushes (the error a route failure gives).
    const unreachable = Object.assign(new Error('send ENETUNREACH 127.0.0.1:514'), { code: 'ENETUNREACH' });
    const write = jest.spyOn(syslog as SinkTarget, 'write').mockRejectedValue(unreachable);
    await running.app.vault.sites.addSite('s2', 'http://chat.test', 'test');
    expect(await sink.flush()).toEqual({ file: 1, syslog: 0 });
    await running.app.vault.sites.addSite('s3', 'http://chat.test', 'test');
    expect(await sink.flush()).toEqual({ file: 1, syslog: 0 });
    expect(entrySeqs(fromFile(file))).toEqual([1, 2, 3, 4]);
    expect(await metric(running, 'vault_audit_sink_failing', 'syslog')).toBe(1);
    expect(await metric(running, 'vault_audit_sink_lag_entries', 'syslog')).toBe(2);
    expect(logged(running, 'audit sink target failing')).toEqual([
      expect.objectContaining({ auditSink: 'syslog', reason: 'ENETUNREACH' }),
    ]);

    write.mockRestore();
    expect(await sink.flush()).toEqual({ file: 0, syslog: 2 });
    expect(entrySeqs(await shipped(4))).toEqual([1, 2, 3, 4]);
    expect(await metric(running, 'vault_audit_sink_failing', 'syslog')).toBe(0);
    expect(logged(running, 'audit sink target delivering again')).toEqual([
      expect.objectContaining({ auditSink: 'syslog', failedAttempts: 2 }),
    ]);
  });
});
