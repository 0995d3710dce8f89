import {
  cardForm,
  createAndOpen,
  DoorbellReceiver,
  idvRequest,
  pathOf,
  startClockedVault,
  submitCard,
  TestClock,
  testConfig,
  type TestVault,
} from './helpers/vault';
import { EXPIRE_BATCH } from '../src/service/requests';
import { STEP_PAUSE_MS } from '../src/service/background-steps';
import { PURGE_BATCH, RetentionService } from '../src/service/retention';
import type { PurgeCounts, Storage } from '../src/storage/types';

/**
 * A storage holding `left` requests past retention, purged as the real ones purge (at most the
 * limit per step); notes the event loop's turn and the time each step ran at, and calls `onStep` after each.
 */
function backlog(left: number, onStep = () => {}) {
  const steps: { turn: number; at: number }[] = [];
  let turns = 0;
  let turn = setImmediate(function count() {
    turns += 1;
    turn = setImmediate(count);
  });
  const storage = {
    purge: async (_before: number, _now: number, limit: number): Promise<PurgeCounts> => {
      steps.push({ turn: turns, at: performance.now() });
      const n = Math.min(limit, left);
      left -= n;
      onStep();
      return { records: n, requests: n, otks: 0, closedRooms: 0 };
    },
  };
  const prunes: number[] = [];
  const audit = { prune: async (before: number) => (prunes.push(before), { pruned: 5 }) };
  const service = new RetentionService(storage as unknown as Storage, () => 400 * 86_400_000, 30, audit, 365);
  return { service, steps, prunes, stop: () => clearImmediate(turn) };
}

describe('retention', () => {
  it('purges tokenized data older than the retention period, and only that', async () => {
    const { vault, clock } = await startClockedVault({ config: testConfig({ VAULT_RETENTION_DAYS: '30' }) });
    try {
      const old = await submitCard(vault);
      clock.advance(20 * 86400);
      const recent = await submitCard(vault, {}, { roomId: 'room-2' });
      clock.advance(11 * 86400);
      const counts = await vault.app.vault.retention.purge();
      expect(counts).toMatchObject({ records: 1, requests: 1 });
      const { storage } = vault.app.vault;
      expect(await storage.getRecord(old)).toBeUndefined();
      expect(await storage.getRequest(old)).toBeUndefined();
      expect(await storage.getRecord(recent)).toBeDefined();
      const audit = await storage.readAudit(0, 1000);
      expect(audit.at(-1)).toMatchObject({ action: 'retention.purge', actor: 'system' });
    } finally {
      await vault.close();
    }
  });

  it('purges a backlog in steps of PURGE_BATCH, a pause apart with requests served in it, then prunes the trail', async () => {
    const { service, steps, prunes, stop } = backlog(2 * PURGE_BATCH + 7);
    try {
      expect(await service.purge()).toEqual({
        records: 2 * PURGE_BATCH + 7,
        requests: 2 * PURGE_BATCH + 7,
        otks: 0,
        closedRooms: 0,
        auditEntries: 5,
      });
    } finally {
      stop();
    }
    expect(steps).toHaveLength(3);
    for (const [before, after] of [steps.slice(0, 2), steps.slice(1, 3)]) {
      expect(after.turn).toBeGreaterThan(before.turn);
      // Timers may fire a millisecond early by performance.now(); a gap of STEP_PAUSE_MS - 1 is a pause.
      expect(after.at - before.at).toBeGreaterThanOrEqual(STEP_PAUSE_MS - 1);
    }
    expect(prunes).toEqual([(400 - 365) * 86_400_000]);
  });

  it('stops between steps once the vault is stopping, leaving the rest and the trail to the next run', async () => {
    const stopping = new AbortController();
    const { service, steps, prunes, stop } = backlog(5 * PURGE_BATCH, () => stopping.abort());
    try {
      expect(await service.purge('system', stopping.signal)).toMatchObject({ requests: PURGE_BATCH, auditEntries: 0 });
    } finally {
      stop();
    }
    expect(steps).toHaveLength(1);
    expect(prunes).toEqual([]);
  });

  it('defaults to 13 months', () => {
    expect(testConfig().retentionDays).toBe(396);
  });
});

describe('the doorbell', () => {
  let receiver: DoorbellReceiver;
  let vault: TestVault;
  let clock: TestClock;
  let base: string;

  beforeEach(async () => {
    receiver = new DoorbellReceiver();
    base = await receiver.listen();
    ({ vault, clock } = await startClockedVault({ doorbell: { retryDelaysMs: [10, 20, 40] } }));
    vault.site = await vault.addSite('site-loop', base);
  });
  afterEach(async () => {
    await vault.close();
    await receiver.close();
  });

  const callbackUrl = () => `${base}/api/apps/public/app/vault-events`;

  it('rings with only {requestId, event} for opened, submitted, cancelled and expired', async () => {
    const submitted = await createAndOpen(vault, idvRequest({ callbackUrl: callbackUrl() }));
    await vault.call('POST', submitted.submitPath, { values: { 2: '9', 4: '8' } }, null);
    const cancelled = await createAndOpen(vault, idvRequest({ callbackUrl: callbackUrl(), roomId: 'room-2' }));
    await vault.call('POST', cancelled.cancelPath, {}, null);
    const lapsed = (
      await vault.call('POST', '/v1/requests', idvRequest({ callbackUrl: callbackUrl(), roomId: 'room-3' }))
    ).json();
    clock.advance(301);
    expect(await vault.app.vault.requests.expireDue()).toBe(1);
    await vault.app.vault.doorbell.drain();

    const rings = receiver.received.map((r) => r.body);
    expect(rings).toEqual(
      expect.arrayContaining([
        { requestId: submitted.requestId, event: 'opened' },
        { requestId: submitted.requestId, event: 'submitted' },
        { requestId: cancelled.requestId, event: 'opened' },
        { requestId: cancelled.requestId, event: 'cancelled' },
        { requestId: lapsed.requestId, event: 'expired' },
      ]),
    );
    expect(rings).toHaveLength(5);
    for (const ring of receiver.received) {
      expect(Object.keys(ring.body).sort()).toEqual(['event', 'requestId']);
      expect(ring.raw).not.toMatch(/"9"|"8"/);
      expect(ring.headers.authorization).toBeUndefined();
    }
    expect((await vault.call('GET', `/v1/requests/${lapsed.requestId}`)).json().status).toBe('expired');
  });

  it('expires a backlog in short transactions with the event loop served between them, up to its limit', async () => {
    const lapsed = 2 * EXPIRE_BATCH + 7;
    for (let i = 0; i < lapsed; i += 1) {
      await vault.call('POST', '/v1/requests', idvRequest({ callbackUrl: callbackUrl(), roomId: `room-${i}` }));
    }
    clock.advance(301);
    const { requests, storage } = vault.app.vault;
    const batches: number[] = [];
    const expireDue = storage.expireDue.bind(storage);
    // Counts the event loop's turns (each check phase), so a batch run in a later turn shows it.
    let turns = 0;
    let turn = setImmediate(function count() {
      turns += 1;
      turn = setImmediate(count);
    });
    try {
      storage.expireDue = async (now, limit, audit) => {
        batches.push(turns);
        return expireDue(now, limit, audit);
      };
      expect(await requests.expireDue(EXPIRE_BATCH + 1)).toBe(EXPIRE_BATCH + 1);
      expect(await requests.expireDue()).toBe(lapsed - EXPIRE_BATCH - 1);
      expect(await requests.expireDue()).toBe(0);
    } finally {
      clearImmediate(turn);
    }
    // Batches of 50 and 1 (the limit), then 50 and 6, then an empty read; within a sweep, each batch
    // runs in a later turn of the event loop than the one before it.
    expect(batches).toHaveLength(5);
    expect(batches[1]).toBeGreaterThan(batches[0]);
    expect(batches[3]).toBeGreaterThan(batches[2]);
    await vault.app.vault.doorbell.drain();
    expect(receiver.received.filter((r) => r.body.event === 'expired')).toHaveLength(lapsed);
  });

  it('retries with back-off when the app fails, without holding up the visitor or changing state', async () => {
    receiver.answers = [500, 503, 502];
    const { requestId, submitPath } = await createAndOpen(vault, idvRequest({ callbackUrl: callbackUrl() }));
    const started = Date.now();
    const response = await vault.call('POST', submitPath, { values: { 2: '1', 4: '2' } }, null);
    expect(response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    await vault.app.vault.doorbell.drain();
    // Three failed deliveries were retried: five rings in all, and both events got through at the end.
    const events = receiver.received.map((r) => r.body.event);
    expect(events).toHaveLength(5);
    expect(new Set(events)).toEqual(new Set(['opened', 'submitted']));
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('submitted');
  });

  it('gives up after the last retry and logs it without the URL query or any value', async () => {
    await receiver.close();
    const { requestId, submitPath } = await createAndOpen(
      vault,
      idvRequest({ callbackUrl: `${callbackUrl()}?token=abc` }),
    );
    await vault.call('POST', submitPath, { values: { 2: 'q', 4: 'z' } }, null);
    await vault.app.vault.doorbell.drain();
    expect(vault.logs.text).toMatch(/doorbell gave up/);
    expect(vault.logs.text).not.toContain('token=abc');
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('submitted');
    receiver = new DoorbellReceiver();
    await receiver.listen();
  });

  it("refuses callback URLs outside the site's origin", async () => {
    for (const callback of [
      'http://evil.test/x',
      `${base}.evil.test/x`,
      'http://user@127.0.0.1/x',
      'ftp://127.0.0.1/x',
    ]) {
      const response = await vault.call('POST', '/v1/requests', idvRequest({ callbackUrl: callback }));
      expect(response.statusCode).toBe(400);
    }
  });

  it('a link opened after expiry is dead, and the expired page says nothing about the request', async () => {
    const created = (await vault.call('POST', '/v1/requests', cardForm({ callbackUrl: callbackUrl() }))).json();
    clock.advance(301);
    const page = await vault.call('GET', pathOf(created.visitorUrl), undefined, null);
    expect(page.statusCode).toBe(404);
    expect(page.body).not.toContain('Card payment');
  });
});
