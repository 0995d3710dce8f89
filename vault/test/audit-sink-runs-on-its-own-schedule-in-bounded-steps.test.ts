/**
 * The audit sink does not hold the other background jobs up: a slow flush (a slow target, a long
 * backlog) runs on the sink's own schedule while expiry, purge and checkpoints keep theirs, and one
 * step ships at most VAULT_AUDIT_SINK_BATCH entries per target, so a long backlog drains in steps.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { ExportLine } from '../src/audit/export';
import { AuditSink } from '../src/service/audit-sink';
import { startJobs } from '../src/service/jobs';
import type { RetentionCounts } from '../src/service/retention';
import { startTestVault, tempDir, testConfig, type TestVault } from './helpers/vault';

describe('the audit sink on its own schedule', () => {
  afterEach(() => jest.useRealTimers());

  const config = testConfig({
    VAULT_SWEEP_INTERVAL_SECONDS: '1',
    VAULT_AUDIT_CHECKPOINT_SECONDS: '2',
    VAULT_AUDIT_SINK_SECONDS: '1',
  });

  function jobs(sink: Pick<AuditSink, 'step'>) {
    const counts = { expire: 0, checkpoint: 0 };
    const stop = startJobs(
      {
        requests: { expireDue: async () => ((counts.expire += 1), 0) },
        retention: { purge: async () => ({}) as RetentionCounts },
        audit: { checkpoint: async () => ((counts.checkpoint += 1), undefined) },
        auditSink: sink,
      },
      config,
      pino({ level: 'silent' }),
    );
    return { counts, stop };
  }

  it('expiry and checkpoints run on time while a sink target hangs, and steps never overlap', async () => {
    jest.useFakeTimers();
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    let writes = 0;
    let reads = 0;
    const line: ExportLine = {
      type: 'audit.checkpoint',
      time: '',
      kind: 'head',
      seq: 1,
      hash: '',
      at: 0,
      keyId: '',
      signature: '',
    };
    const sink = new AuditSink(
      {
        exportHead: async () => ({ entrySeq: 0, checkpointSeq: -1 }),
        exportBatch: async (cursor) => {
          reads += 1;
          return cursor.checkpointSeq < 1
            ? { lines: [line], cursor: { entrySeq: 0, checkpointSeq: 1 } }
            : { lines: [], cursor };
        },
      },
      [{ name: 'syslog', write: () => ((writes += 1), hanging), resume: () => undefined, close: () => undefined }],
      { batchEntries: 10 },
    );
    const { counts, stop } = jobs(sink);
    try {
      await jest.advanceTimersByTimeAsync(10_500);
      expect(counts.expire).toBe(10);
      expect(counts.checkpoint).toBe(5);
      // The sink started one write and waits for it: no second step piles up behind it.
      expect(writes).toBe(1);
      release();
      await jest.advanceTimersByTimeAsync(1_000);
      expect(reads).toBeGreaterThan(2);
      expect(writes).toBe(1);
    } finally {
      await stop();
    }
  });

  it('while a target stopped at its batch size the next step follows at once, then the interval again', async () => {
    jest.useFakeTimers();
    let backlog = 3;
    let steps = 0;
    const { counts, stop } = jobs({ step: async () => ((steps += 1), { written: { file: 10 }, more: backlog-- > 0 }) });
    try {
      await jest.advanceTimersByTimeAsync(1_010);
      // The first step at 1 s found more, and so did the next two: four steps back to back.
      expect(steps).toBe(4);
      await jest.advanceTimersByTimeAsync(980);
      expect(steps).toBe(4);
      await jest.advanceTimersByTimeAsync(20);
      expect(steps).toBe(5);
      expect(counts.expire).toBe(2);
    } finally {
      await stop();
    }
  });
});

describe('one step ships at most VAULT_AUDIT_SINK_BATCH entries per target', () => {
  let vault: TestVault | undefined;
  afterEach(async () => {
    await vault?.close();
    vault = undefined;
  });

  it('a backlog of 23 entries drains in steps of 5, in order, none twice', async () => {
    const file = path.join(tempDir(), 'audit.jsonl');
    vault = await startTestVault({ config: testConfig({ VAULT_AUDIT_SINK_FILE: file, VAULT_AUDIT_SINK_BATCH: '5' }) });
    for (let i = 0; i < 22; i++) await vault.app.vault.sites.addSite(`site-${i}`, 'http://chat.test', 'test');
    const sink = vault.app.vault.auditSink!;
    const read = () =>
      fs
        .readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as ExportLine)
        .filter((l) => l.type === 'audit.entry')
        .map((l) => l.seq);

    expect(await sink.step()).toEqual({ written: { file: 5 }, more: true });
    expect(read()).toEqual([1, 2, 3, 4, 5]);
    expect(await sink.step()).toEqual({ written: { file: 5 }, more: true });
    expect(read()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // flush() (used on close) steps until caught up.
    expect(await sink.flush()).toEqual({ file: 13 });
    expect(read()).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(await sink.step()).toEqual({ written: { file: 0 }, more: false });
  });
});

describe('stopping the jobs', () => {
  it('resolves only once a job under way has finished, so shutdown never closes storage under it', async () => {
    jest.useFakeTimers();
    try {
      let release: () => void = () => undefined;
      let started = false;
      let finished = false;
      const stop = startJobs(
        {
          requests: {
            expireDue: async () => {
              started = true;
              await new Promise<void>((resolve) => (release = resolve));
              finished = true;
              return 0;
            },
          },
          retention: { purge: async () => ({}) as RetentionCounts },
          audit: { checkpoint: async () => undefined },
        },
        testConfig({ VAULT_SWEEP_INTERVAL_SECONDS: '1' }),
        pino({ level: 'silent' }),
      );
      await jest.advanceTimersByTimeAsync(1000);
      expect(started).toBe(true);
      let stopped = false;
      const stopping = stop().then(() => (stopped = true));
      await jest.advanceTimersByTimeAsync(5000);
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(finished).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('tells a purge under way to stop after its step, and resolves when it has', async () => {
    jest.useFakeTimers();
    try {
      let signal: AbortSignal | undefined;
      let steps = 0;
      const stop = startJobs(
        {
          requests: { expireDue: async () => 0 },
          // A purge with a long backlog: a step every 25 ms until it is told to stop.
          retention: {
            purge: async (_actor, told) => {
              signal = told;
              while (!told?.aborted) {
                steps += 1;
                await new Promise((resolve) => setTimeout(resolve, 25));
              }
              return {} as RetentionCounts;
            },
          },
          audit: { checkpoint: async () => undefined },
        },
        testConfig({ VAULT_PURGE_INTERVAL_SECONDS: '1' }),
        pino({ level: 'silent' }),
      );
      await jest.advanceTimersByTimeAsync(1100);
      expect(steps).toBeGreaterThan(0);
      expect(signal?.aborted).toBe(false);
      let stopped = false;
      const stopping = stop().then(() => (stopped = true));
      expect(signal?.aborted).toBe(true);
      await jest.advanceTimersByTimeAsync(25);
      await stopping;
      expect(stopped).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});
