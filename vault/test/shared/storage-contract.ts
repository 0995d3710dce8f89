import { randomBytes, randomUUID } from 'node:crypto';
import { verifyChain } from '../../src/audit/chain';
import { DuplicateError, isRemovedMeanwhile } from '../../src/errors';
import { auditEvent } from '../../src/audit/events';
import type { AuditAction, AuditEntry, AuditEvent } from '../../src/storage/audit-chain';
import {
  type OtkPurpose,
  type OtkRow,
  type RecordRow,
  type RequestRow,
  type SiteKeyRow,
  type SitePolicy,
  type SiteRow,
  type Storage,
  SITE_POLICIES,
} from '../../src/storage/types';

/** A storage backend under test, fresh and migrated, and how to throw it away. */
export interface OpenedStorage {
  storage: Storage;
  destroy(): Promise<void>;
}

/** Later than 2^32 ms, so a backend that truncates or stringifies BIGINTs shows it. */
export const NOW = 1_900_000_000_123;
const MINUTE = 60_000;

export function site(siteId = 'site-a'): SiteRow {
  return {
    siteId,
    origin: 'https://chat.test',
    apiKeyId: randomBytes(8).toString('hex'),
    apiKeyHash: randomBytes(32).toString('hex'),
    createdAt: NOW,
  };
}

export function key(siteId = 'site-a', createdAt = NOW): SiteKeyRow {
  return { siteId, kid: randomUUID(), wrappedKey: randomBytes(40).toString('base64'), createdAt, active: true };
}

/** What the sweep appends for each request it expires; storage fills in the site and request. */
const EXPIRE = auditEvent('request.expire', { at: NOW, actor: 'system' });

export function event(
  action: AuditAction,
  siteId: string | null = 'site-a',
  requestId: string | null = null,
): AuditEvent {
  return auditEvent(action, { at: NOW, siteId, actor: 'test', requestId });
}

export function request(overrides: Partial<RequestRow> = {}): RequestRow {
  return {
    requestId: randomUUID(),
    siteId: 'site-a',
    kind: 'form',
    roomId: 'room-1',
    agentId: 'agent-1',
    visitorToken: 'visitor-1',
    locale: 'en',
    callbackUrl: 'https://chat.test/cb',
    spec: '{"title":"T","fields":[]}',
    status: 'pending',
    createdAt: NOW,
    openedAt: null,
    submittedAt: null,
    finishedAt: null,
    viewedAt: null,
    expiresAt: NOW + 5 * MINUTE,
    ...overrides,
  };
}

export function otk(requestId: string, purpose: OtkPurpose, overrides: Partial<OtkRow> = {}): OtkRow {
  return {
    hash: randomBytes(32).toString('hex'),
    purpose,
    siteId: 'site-a',
    requestId,
    agentId: purpose === 'detokenize' ? 'agent-1' : null,
    expiresAt: NOW + 5 * MINUTE,
    ...overrides,
  };
}

/** A submit window no test looks at again: a fresh OTK hash, open for a minute. */
function anySubmitWindow(): { hash: string; expiresAt: number } {
  return { hash: randomBytes(32).toString('hex'), expiresAt: NOW + MINUTE };
}

function record(requestId: string, siteId = 'site-a', createdAt = NOW): RecordRow {
  return {
    recordId: randomUUID(),
    requestId,
    siteId,
    kid: randomUUID(),
    token: `eyJ.${randomBytes(24).toString('base64url')}`,
    createdAt,
  };
}

async function allAudit(storage: Storage): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (
    let page = await storage.readAudit(0, 7);
    page.length > 0;
    page = await storage.readAudit(page[page.length - 1].seq, 7)
  ) {
    entries.push(...page);
  }
  return entries;
}

async function* iterate(entries: AuditEntry[]): AsyncIterable<AuditEntry> {
  yield* entries;
}

/**
 * The behaviour every `Storage` must have, written once and run against each backend (SQLite,
 * PostgreSQL). It drives the interface only; backend-specific checks live beside each call.
 */
export function describeStorageContract(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`Storage contract: ${name}`, () => {
    let opened: OpenedStorage;
    let storage: Storage;

    beforeEach(async () => {
      opened = await open();
      storage = opened.storage;
      await storage.addSite(site(), key(), event('site.add'));
    });
    afterEach(async () => {
      await opened?.destroy();
    });

    /** A request whose open OTK has been redeemed: returns it and its submit OTK's hash. */
    async function openedRequest(
      overrides: Partial<RequestRow> = {},
    ): Promise<{ row: RequestRow; submitHash: string }> {
      const row = request(overrides);
      const open = otk(row.requestId, 'open', { siteId: row.siteId });
      await storage.createRequest(row, open, event('request.create', row.siteId, row.requestId));
      const submitHash = randomBytes(32).toString('hex');
      const openedRow = await storage.openRequest(
        open.hash,
        { hash: submitHash, expiresAt: NOW + 30 * MINUTE },
        NOW + 1000,
        auditEvent('request.open', { at: NOW, actor: 'visitor' }),
      );
      if (!openedRow) throw new Error('could not open the request');
      return { row: openedRow, submitHash };
    }

    /** The visitor submits an opened request; `rec` is null when every field was off the record. */
    function submit(row: RequestRow, submitHash: string, rec: RecordRow | null) {
      return storage.submitRequest(
        submitHash,
        row.requestId,
        rec,
        NOW + 2000,
        auditEvent('request.submit', { at: NOW, actor: 'visitor' }),
      );
    }

    async function mintedDetokenizeOtk(requestId: string): Promise<OtkRow> {
      const detok = otk(requestId, 'detokenize');
      await storage.insertOtk(detok, event('otk.mint'));
      return detok;
    }

    async function submittedRequest(overrides: Partial<RequestRow> = {}): Promise<RequestRow> {
      const { row, submitHash } = await openedRequest(overrides);
      const done = await submit(row, submitHash, record(row.requestId, row.siteId, row.createdAt));
      if (!done) throw new Error('could not submit the request');
      return done;
    }

    it('migrate is idempotent and keeps the data', async () => {
      await storage.migrate();
      await storage.migrate();
      expect(await storage.getSite('site-a')).toBeDefined();
      await storage.ping();
    });

    it('sites: add, find by key id, list in order; a duplicate is refused and writes nothing', async () => {
      const b = site('site-b');
      await storage.addSite(b, key('site-b'), event('site.add', 'site-b'));
      expect(await storage.findSiteByKeyId(b.apiKeyId)).toEqual(b);
      expect(await storage.findSiteByKeyId('0000000000000000')).toBeUndefined();
      expect((await storage.listSites()).map((s) => s.siteId)).toEqual(['site-a', 'site-b']);
      const before = (await allAudit(storage)).length;
      await expect(storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'))).rejects.toBeInstanceOf(
        DuplicateError,
      );
      expect((await allAudit(storage)).length).toBe(before);
      expect(await storage.getSite('site-b')).toEqual(b);
    });

    it('replaceApiKey swaps the key id and hash, audits once, and refuses an unknown site', async () => {
      const old = (await storage.getSite('site-a'))!;
      const before = (await allAudit(storage)).length;
      expect(await storage.replaceApiKey('site-a', 'ffffffffffffffff', 'new-hash', event('site.rekey'))).toBe(true);
      expect(await storage.findSiteByKeyId(old.apiKeyId)).toBeUndefined();
      expect(await storage.findSiteByKeyId('ffffffffffffffff')).toEqual({
        ...old,
        apiKeyId: 'ffffffffffffffff',
        apiKeyHash: 'new-hash',
      });
      expect(await storage.replaceApiKey('nobody', 'eeeeeeeeeeeeeeee', 'x', event('site.rekey', 'nobody'))).toBe(false);
      expect((await allAudit(storage)).length).toBe(before + 1);
    });

    it('keys: rotation leaves exactly one active key and keeps the old ones for reading', async () => {
      const first = await storage.getActiveSiteKey('site-a');
      const second = key('site-a', NOW + 1);
      await storage.rotateSiteKey(second, event('keys.rotate'));
      expect(await storage.getActiveSiteKey('site-a')).toEqual(second);
      expect(await storage.getSiteKey('site-a', first!.kid)).toEqual({ ...first, active: false });
      expect(await storage.getSiteKey('site-b', first!.kid)).toBeUndefined();
    });

    it('the key generation moves on with a rotation and a removed site only, and the submit and detokenize reads return it', async () => {
      const { row, submitHash } = await openedRequest();
      const first = await storage.keyGeneration();
      expect(await storage.findSubmitTarget(submitHash, NOW)).toMatchObject({ keyGeneration: first });
      await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
      await storage.replaceApiKey('site-a', 'ffffffffffffffff', 'new-hash', event('site.rekey'));
      await storage.removeSite('nobody', event('site.remove', 'nobody'));
      expect(await storage.keyGeneration()).toBe(first);

      await storage.rotateSiteKey(key('site-a', NOW + 1), event('keys.rotate'));
      const rotated = await storage.keyGeneration();
      expect(rotated).not.toBe(first);
      expect(await storage.findSubmitTarget(submitHash, NOW)).toMatchObject({ keyGeneration: rotated });
      await submit(row, submitHash, null);
      const detok = await mintedDetokenizeOtk(row.requestId);
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-a', 'agent-1', NOW)).toMatchObject({
        keyGeneration: rotated,
      });

      await storage.removeSite('site-b', event('site.remove', 'site-b'));
      const removed = await storage.keyGeneration();
      expect([first, rotated]).not.toContain(removed);
      expect(typeof removed).toBe('number');
    });

    it('removeSite deletes the site with its keys, requests, records, OTKs and closed rooms; an unknown site is not audited', async () => {
      const submitted = await submittedRequest();
      const pending = request();
      const open = otk(pending.requestId, 'open');
      await storage.createRequest(pending, open, event('request.create'));
      await storage.closeRoom('site-a', 'room-9', NOW, event('session.close'));
      await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));

      expect(await storage.removeSite('site-a', event('site.remove'))).toBe(true);
      expect(await storage.getSite('site-a')).toBeUndefined();
      expect(await storage.getActiveSiteKey('site-a')).toBeUndefined();
      expect(await storage.getRequest(submitted.requestId)).toBeUndefined();
      expect(await storage.getRecord(submitted.requestId)).toBeUndefined();
      expect(await storage.peekOtk(open.hash, 'open', NOW)).toBeUndefined();
      expect(await storage.isRoomClosed('site-a', 'room-9')).toBe(false);
      expect(await storage.getSite('site-b')).toBeDefined();

      const before = (await allAudit(storage)).length;
      expect(await storage.removeSite('nobody', event('site.remove', 'nobody'))).toBe(false);
      expect((await allAudit(storage)).length).toBe(before);
    });

    it('a request round-trips every column exactly: epoch-ms numbers stay numbers, nulls stay null', async () => {
      const row = request({ visitorToken: null, expiresAt: NOW + 123_456 });
      await storage.createRequest(row, otk(row.requestId, 'open'), event('request.create'));
      const read = await storage.getRequest(row.requestId);
      expect(read).toEqual(row);
      expect(typeof read!.createdAt).toBe('number');
      expect(await storage.getRequest(randomUUID())).toBeUndefined();
    });

    it("listRoomRequests lists one site's room, oldest first, the newest `limit` of it", async () => {
      await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
      const newer = request({ createdAt: NOW + 10 });
      const older = request({ createdAt: NOW - 10 });
      const elsewhere = request({ roomId: 'room-2' });
      const otherSite = request({ siteId: 'site-b' });
      for (const row of [newer, older, elsewhere, otherSite])
        await storage.createRequest(
          row,
          otk(row.requestId, 'open', { siteId: row.siteId }),
          event('request.create', row.siteId),
        );
      expect((await storage.listRoomRequests('site-a', 'room-1', 10)).map((r) => r.requestId)).toEqual([
        older.requestId,
        newer.requestId,
      ]);
      expect((await storage.listRoomRequests('site-a', 'room-1', 1)).map((r) => r.requestId)).toEqual([
        newer.requestId,
      ]);
    });

    it('peekOtk sees only a live OTK of that purpose, and consumes nothing', async () => {
      const row = request();
      const open = otk(row.requestId, 'open');
      await storage.createRequest(row, open, event('request.create'));
      expect(await storage.peekOtk(open.hash, 'open', NOW)).toEqual(open);
      expect(await storage.peekOtk(open.hash, 'open', NOW)).toEqual(open);
      expect(await storage.peekOtk(open.hash, 'submit', NOW)).toBeUndefined();
      expect(await storage.peekOtk(open.hash, 'open', open.expiresAt)).toBeUndefined();
    });

    it("findPreviewTarget reads a live link's pending request and its site's brand in one read, and consumes nothing", async () => {
      // The title comes out of the spec's JSON decoded: escapes, quotes and characters beyond the BMP.
      const title = 'Añadir "tarjeta" \\ \u2028 💳';
      const row = request({ locale: 'es', spec: JSON.stringify({ title, fields: [] }) });
      const open = otk(row.requestId, 'open');
      await storage.createRequest(row, open, event('request.create'));
      const expected = { siteId: 'site-a', kind: 'form', locale: 'es', title };
      expect(await storage.findPreviewTarget(open.hash, NOW)).toEqual(expected);
      const brand = { siteId: 'site-a', displayName: 'ACME', accentColour: '#0b5d33', logo: null, updatedAt: NOW };
      await storage.setBrand('site-a', brand, null, event('site.brand'));
      expect(await storage.findPreviewTarget(open.hash, NOW)).toEqual({ ...expected, brand });
      expect(await storage.peekOtk(open.hash, 'open', NOW)).toEqual(open); // still live
      // Not for another purpose, nor once the link or the request lapsed, nor in a closed room.
      expect(await storage.findPreviewTarget(open.hash, open.expiresAt)).toBeUndefined();
      const late = request({ expiresAt: NOW - 1 });
      const lateOpen = otk(late.requestId, 'open');
      await storage.createRequest(late, lateOpen, event('request.create'));
      expect(await storage.findPreviewTarget(lateOpen.hash, NOW)).toBeUndefined();
      const { submitHash } = await openedRequest();
      expect(await storage.findPreviewTarget(submitHash, NOW)).toBeUndefined();
      await storage.closeRoom('site-a', row.roomId, NOW, event('session.close'));
      expect(await storage.findPreviewTarget(open.hash, NOW)).toBeUndefined();
    });

    it('a detokenize OTK is found and redeemed only by its site and agent, only while live, only once', async () => {
      const submitted = await submittedRequest();
      await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
      const detok = otk(submitted.requestId, 'detokenize', { expiresAt: NOW + 30_000 });
      await storage.insertOtk(detok, event('otk.mint'));
      const ok = event('detokenize.ok', 'site-a', submitted.requestId);
      const { requestId } = submitted;
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-b', 'agent-1', NOW)).toBeUndefined();
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-a', 'agent-2', NOW)).toBeUndefined();
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-a', 'agent-1', detok.expiresAt)).toBeUndefined();
      const stored = await storage.getRecord(requestId);
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-a', 'agent-1', NOW)).toEqual({
        request: {
          requestId,
          siteId: 'site-a',
          agentId: 'agent-1',
          roomId: submitted.roomId,
          status: 'submitted',
          spec: submitted.spec,
        },
        roomClosed: false,
        record: stored,
        keyGeneration: await storage.keyGeneration(),
      });
      const before = (await allAudit(storage)).length;
      expect(await storage.redeemDetokenizeOtk(detok.hash, 'site-b', 'agent-1', requestId, NOW, ok)).toBe(false);
      expect(await storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-2', requestId, NOW, ok)).toBe(false);
      expect(await storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-1', randomUUID(), NOW, ok)).toBe(false);
      expect(await storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-1', requestId, detok.expiresAt, ok)).toBe(
        false,
      );
      expect((await allAudit(storage)).length).toBe(before);
      expect(await storage.peekOtk(detok.hash, 'detokenize', NOW)).toEqual(detok);
      expect((await storage.getRequest(requestId))!.viewedAt).toBeNull();

      expect(await storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-1', requestId, NOW + 9, ok)).toBe(true);
      expect(await storage.peekOtk(detok.hash, 'detokenize', NOW)).toBeUndefined();
      expect((await storage.getRequest(requestId))!.viewedAt).toBe(NOW + 9);
      const entries = await allAudit(storage);
      expect(entries).toHaveLength(before + 1);
      expect(entries.pop()).toMatchObject({ action: 'detokenize.ok', requestId });
      expect(await storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-1', requestId, NOW, ok)).toBe(false);
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-a', 'agent-1', NOW)).toBeUndefined();
    });

    it('a detokenize target says when the room closed and has no record for an all off-the-record request; redeeming in a closed room changes nothing', async () => {
      const { row, submitHash } = await openedRequest();
      await submit(row, submitHash, null);
      const detok = await mintedDetokenizeOtk(row.requestId);
      expect(await storage.findDetokenizeTarget(detok.hash, 'site-a', 'agent-1', NOW)).toMatchObject({
        roomClosed: false,
        record: undefined,
      });
      // Closing the room deletes its OTKs; one minted after (as a race could leave) still finds the closed room.
      await storage.closeRoom('site-a', row.roomId, NOW, event('session.close'));
      const late = otk(row.requestId, 'detokenize');
      await storage.insertOtk(late, event('otk.mint'));
      expect(await storage.findDetokenizeTarget(late.hash, 'site-a', 'agent-1', NOW)).toMatchObject({
        roomClosed: true,
      });
      const before = (await allAudit(storage)).length;
      const ok = event('detokenize.ok', 'site-a', row.requestId);
      expect(await storage.redeemDetokenizeOtk(late.hash, 'site-a', 'agent-1', row.requestId, NOW, ok)).toBe(false);
      expect(await storage.peekOtk(late.hash, 'detokenize', NOW)).toEqual(late);
      expect((await storage.getRequest(row.requestId))!.viewedAt).toBeNull();
      expect((await allAudit(storage)).length).toBe(before);
    });

    it('of 25 concurrent redemptions of one detokenize OTK exactly one succeeds, with one audit entry', async () => {
      const submitted = await submittedRequest();
      const detok = await mintedDetokenizeOtk(submitted.requestId);
      const ok = event('detokenize.ok', 'site-a', submitted.requestId);
      const results = await Promise.all(
        Array.from({ length: 25 }, () =>
          storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-1', submitted.requestId, NOW, ok),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await allAudit(storage)).filter((entry) => entry.action === 'detokenize.ok')).toHaveLength(1);
    });

    it('openRequest consumes the open OTK once, marks the request opened and stores the submit OTK with its window', async () => {
      const row = request();
      const open = otk(row.requestId, 'open');
      await storage.createRequest(row, open, event('request.create'));
      const submitHash = randomBytes(32).toString('hex');
      const submitWindow = { hash: submitHash, expiresAt: NOW + 30 * MINUTE };
      const audit = auditEvent('request.open', { at: NOW + 5, actor: 'visitor' });
      const openedRow = await storage.openRequest(open.hash, submitWindow, NOW + 5, audit);
      expect(openedRow).toEqual({ ...row, status: 'opened', openedAt: NOW + 5, expiresAt: NOW + 30 * MINUTE });
      expect(await storage.getRequest(row.requestId)).toEqual(openedRow);
      expect(await storage.peekOtk(submitHash, 'submit', NOW)).toEqual({
        hash: submitHash,
        purpose: 'submit',
        siteId: 'site-a',
        requestId: row.requestId,
        agentId: null,
        expiresAt: NOW + 30 * MINUTE,
      });
      expect(await storage.openRequest(open.hash, anySubmitWindow(), NOW + 6, audit)).toBeUndefined();
      const last = (await allAudit(storage)).pop();
      expect(last).toMatchObject({
        action: 'request.open',
        siteId: 'site-a',
        requestId: row.requestId,
        actor: 'visitor',
      });
    });

    it('of 20 concurrent opens of one link exactly one succeeds', async () => {
      const row = request();
      const open = otk(row.requestId, 'open');
      await storage.createRequest(row, open, event('request.create'));
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          storage.openRequest(
            open.hash,
            anySubmitWindow(),
            NOW,
            auditEvent('request.open', { at: NOW, actor: 'visitor' }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('createRequest in a closed room says false and writes nothing: no request, no OTK, no audit entry', async () => {
      await storage.closeRoom('site-a', 'room-shut', NOW, event('session.close'));
      const before = (await allAudit(storage)).length;
      const late = request({ roomId: 'room-shut' });
      const lateOpen = otk(late.requestId, 'open');
      expect(await storage.createRequest(late, lateOpen, event('request.create'))).toBe(false);
      expect(await storage.getRequest(late.requestId)).toBeUndefined();
      expect(await storage.peekOtk(lateOpen.hash, 'open', NOW)).toBeUndefined();
      expect((await allAudit(storage)).length).toBe(before);

      const other = request({ roomId: 'room-still-open' });
      expect(await storage.createRequest(other, otk(other.requestId, 'open'), event('request.create'))).toBe(true);
      expect((await storage.getRequest(other.requestId))!.status).toBe('pending');
    });

    it('a create for a site removed meanwhile is refused whole, as removed meanwhile', async () => {
      await storage.addSite(site('site-gone'), key('site-gone'), event('site.add', 'site-gone'));
      await storage.removeSite('site-gone', event('site.remove', 'site-gone'));
      const before = (await allAudit(storage)).length;
      const late = request({ siteId: 'site-gone' });
      const lateOpen = otk(late.requestId, 'open', { siteId: 'site-gone' });
      const refused: unknown = await storage
        .createRequest(late, lateOpen, event('request.create', 'site-gone'))
        .catch((error: unknown) => error);
      expect(isRemovedMeanwhile(refused)).toBe(true);
      expect(await storage.getRequest(late.requestId)).toBeUndefined();
      expect(await storage.peekOtk(lateOpen.hash, 'open', NOW)).toBeUndefined();
      expect((await allAudit(storage)).length).toBe(before);
    });

    it('creates racing the close of their room: each is refused or closed with it, none stays live', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, async (_, room) => {
          const roomId = `room-race-${room}`;
          const rows = Array.from({ length: 4 }, () => request({ roomId }));
          const creates = rows.map((row) =>
            storage.createRequest(row, otk(row.requestId, 'open'), event('request.create')),
          );
          const [created] = await Promise.all([
            Promise.all(creates),
            storage.closeRoom('site-a', roomId, NOW, event('session.close')),
          ]);
          return Promise.all(
            rows.map(async (row, i) => ({
              created: created[i],
              status: (await storage.getRequest(row.requestId))?.status,
            })),
          );
        }),
      );
      const all = outcomes.flat();
      expect(all.filter((o) => o.created && o.status !== 'closed')).toEqual([]);
      expect(all.filter((o) => !o.created && o.status !== undefined)).toEqual([]);
    });

    it('a link to a lapsed request or a closed room does not open, and is used up', async () => {
      const lapsed = request({ expiresAt: NOW - 1 });
      const lapsedOpen = otk(lapsed.requestId, 'open');
      await storage.createRequest(lapsed, lapsedOpen, event('request.create'));
      const audit = auditEvent('request.open', { at: NOW, actor: 'visitor' });
      expect(await storage.openRequest(lapsedOpen.hash, anySubmitWindow(), NOW, audit)).toBeUndefined();
      expect(await storage.peekOtk(lapsedOpen.hash, 'open', NOW)).toBeUndefined();

      const inClosedRoom = request({ roomId: 'room-closed' });
      const closedOpen = otk(inClosedRoom.requestId, 'open');
      await storage.createRequest(inClosedRoom, closedOpen, event('request.create'));
      await storage.closeRoom('site-a', 'room-closed', NOW, event('session.close'));
      expect(await storage.openRequest(closedOpen.hash, anySubmitWindow(), NOW, audit)).toBeUndefined();
      expect((await storage.getRequest(inClosedRoom.requestId))!.status).toBe('closed');
    });

    it("submitRequest stores the record (its key apart), marks the request submitted and kills the request's other OTKs", async () => {
      const { row, submitHash } = await openedRequest();
      const spare = otk(row.requestId, 'open');
      await storage.insertOtk(spare, event('otk.mint'));
      const rec = { ...record(row.requestId), wrappedKey: randomBytes(40).toString('base64url') };
      const done = await storage.submitRequest(submitHash, row.requestId, rec, NOW + 7, {
        at: NOW + 7,
        actor: 'visitor',
        action: 'request.submit',
        detail: '{"n":1}',
      });
      expect(done).toEqual({ ...row, status: 'submitted', submittedAt: NOW + 7 });
      expect(await storage.getRequest(row.requestId)).toEqual(done);
      expect(await storage.getRecord(row.requestId)).toEqual(rec);
      expect(await storage.peekOtk(submitHash, 'submit', NOW)).toBeUndefined();
      expect(await storage.peekOtk(spare.hash, 'open', NOW)).toBeUndefined();
      expect((await allAudit(storage)).pop()).toMatchObject({
        action: 'request.submit',
        requestId: row.requestId,
        siteId: 'site-a',
        detail: '{"n":1}',
      });
    });

    it('a submit without a record (only off-the-record fields) marks it submitted', async () => {
      const { row, submitHash } = await openedRequest();
      expect(
        await storage.submitRequest(
          submitHash,
          row.requestId,
          null,
          NOW,
          auditEvent('request.submit', { at: NOW, actor: 'visitor' }),
        ),
      ).toBeDefined();
      expect(await storage.getRecord(row.requestId)).toBeUndefined();
    });

    it('a submit OTK used for another request, or after the window, changes nothing and stays usable', async () => {
      const { row, submitHash } = await openedRequest();
      const audit = auditEvent('request.submit', { at: NOW, actor: 'visitor' });
      const before = (await allAudit(storage)).length;
      expect(await storage.submitRequest(submitHash, randomUUID(), record(row.requestId), NOW, audit)).toBeUndefined();
      expect(
        await storage.submitRequest(submitHash, row.requestId, record(row.requestId), NOW + 31 * MINUTE, audit),
      ).toBeUndefined();
      expect((await allAudit(storage)).length).toBe(before);
      expect(await storage.getRecord(row.requestId)).toBeUndefined();
      expect((await storage.getRequest(row.requestId))!.status).toBe('opened');
      expect(await storage.submitRequest(submitHash, row.requestId, record(row.requestId), NOW, audit)).toBeDefined();
    });

    it('of 20 concurrent submits with one submit OTK exactly one succeeds and one record exists', async () => {
      const { row, submitHash } = await openedRequest();
      const records = Array.from({ length: 20 }, () => record(row.requestId));
      const results = await Promise.all(
        records.map((rec) =>
          storage.submitRequest(
            submitHash,
            row.requestId,
            rec,
            NOW,
            auditEvent('request.submit', { at: NOW, actor: 'visitor' }),
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await storage.getRecord(row.requestId);
      expect(records.map((r) => r.recordId)).toContain(stored!.recordId);
      expect((await allAudit(storage)).filter((e) => e.action === 'request.submit')).toHaveLength(1);
    });

    it('cancelRequest cancels once; the submit OTK is dead afterwards', async () => {
      const { row, submitHash } = await openedRequest();
      const audit = auditEvent('request.cancel', { at: NOW, actor: 'visitor' });
      expect(await storage.cancelRequest(submitHash, NOW + 3, audit)).toEqual({
        ...row,
        status: 'cancelled',
        finishedAt: NOW + 3,
      });
      expect(await storage.cancelRequest(submitHash, NOW + 4, audit)).toBeUndefined();
      expect(await storage.submitRequest(submitHash, row.requestId, null, NOW + 4, audit)).toBeUndefined();
      expect((await storage.getRequest(row.requestId))!.status).toBe('cancelled');
    });

    it('openViewer turns a live viewer link into a session once: same site, request and user, viewed, audited', async () => {
      const submitted = await submittedRequest();
      const link = otk(submitted.requestId, 'view', { agentId: 'agent-1', expiresAt: NOW + MINUTE });
      await storage.insertOtk(link, event('viewer.mint', 'site-a', submitted.requestId));
      const sessionHash = randomBytes(32).toString('hex');
      const opened = await storage.openViewer(
        link.hash,
        { hash: sessionHash, expiresAt: NOW + 5 * MINUTE },
        NOW + 5,
        auditEvent('viewer.open', { at: NOW + 5, actor: 'agent:agent-1' }),
      );
      expect(opened?.session).toEqual({
        hash: sessionHash,
        purpose: 'view_session',
        siteId: 'site-a',
        requestId: submitted.requestId,
        agentId: 'agent-1',
        expiresAt: NOW + 5 * MINUTE,
      });
      expect(opened?.request.viewedAt).toBe(NOW + 5);
      expect((await storage.getRequest(submitted.requestId))!.viewedAt).toBe(NOW + 5);
      expect(await storage.peekOtk(sessionHash, 'view_session', NOW + 6)).toBeDefined();
      expect(await storage.peekOtk(link.hash, 'view', NOW + 6)).toBeUndefined();
      expect((await allAudit(storage)).pop()).toMatchObject({
        action: 'viewer.open',
        siteId: 'site-a',
        requestId: submitted.requestId,
      });
      const again = await storage.openViewer(
        link.hash,
        { hash: randomBytes(32).toString('hex'), expiresAt: NOW + 5 * MINUTE },
        NOW + 7,
        auditEvent('viewer.open', { at: NOW + 7, actor: 'agent:agent-1' }),
      );
      expect(again).toBeUndefined();
    });

    it('a manager link opens into a manager session; of 20 concurrent opens exactly one succeeds', async () => {
      const submitted = await submittedRequest();
      const link = otk(submitted.requestId, 'manager_view', { agentId: 'manager-1', expiresAt: NOW + MINUTE });
      await storage.insertOtk(link, event('viewer.mint', 'site-a', submitted.requestId));
      const attempts = await Promise.all(
        Array.from({ length: 20 }, () =>
          storage.openViewer(
            link.hash,
            { hash: randomBytes(32).toString('hex'), expiresAt: NOW + 5 * MINUTE },
            NOW + 5,
            auditEvent('viewer.open', { at: NOW + 5, actor: 'manager:manager-1' }),
          ),
        ),
      );
      const winners = attempts.filter((outcome) => outcome !== undefined);
      expect(winners).toHaveLength(1);
      expect(winners[0]?.session).toMatchObject({ purpose: 'manager_session', agentId: 'manager-1' });
      expect((await allAudit(storage)).filter((e) => e.action === 'viewer.open')).toHaveLength(1);
    });

    it('a viewer link of a request not submitted, past its window, or of a closed room opens nothing', async () => {
      const { row: opened } = await openedRequest();
      const notSubmitted = otk(opened.requestId, 'view', { agentId: 'agent-1' });
      await storage.insertOtk(notSubmitted, event('viewer.mint'));
      const session = () => ({ hash: randomBytes(32).toString('hex'), expiresAt: NOW + 5 * MINUTE });
      const audit = auditEvent('viewer.open', { at: NOW, actor: 'agent:agent-1' });
      expect(await storage.openViewer(notSubmitted.hash, session(), NOW + 5, audit)).toBeUndefined();

      const submitted = await submittedRequest({ roomId: 'room-2' });
      const lapsed = otk(submitted.requestId, 'view', { agentId: 'agent-1', expiresAt: NOW + 10 });
      await storage.insertOtk(lapsed, event('viewer.mint'));
      expect(await storage.openViewer(lapsed.hash, session(), NOW + 10, audit)).toBeUndefined();

      const live = otk(submitted.requestId, 'view', { agentId: 'agent-1' });
      await storage.insertOtk(live, event('viewer.mint'));
      const before = (await allAudit(storage)).length;
      await storage.closeRoom('site-a', 'room-2', NOW + 20, event('session.close'));
      expect(await storage.openViewer(live.hash, session(), NOW + 21, audit)).toBeUndefined();
      expect((await allAudit(storage)).length).toBe(before + 1);
    });

    it('closing the room ends its viewer sessions; endViewerSession ends one once, with an audit entry', async () => {
      const submitted = await submittedRequest({ roomId: 'room-3' });
      const first = otk(submitted.requestId, 'view_session', { agentId: 'agent-1' });
      const second = otk(submitted.requestId, 'manager_session', { agentId: 'manager-1' });
      await storage.insertOtk(first, event('viewer.open'));
      await storage.insertOtk(second, event('viewer.open'));
      const audit = auditEvent('viewer.hide', { at: NOW, actor: 'agent:agent-1' });
      expect(await storage.endViewerSession(first.hash, NOW + 1, audit)).toMatchObject({ purpose: 'view_session' });
      expect((await allAudit(storage)).pop()).toMatchObject({ action: 'viewer.hide', requestId: submitted.requestId });
      expect(await storage.endViewerSession(first.hash, NOW + 2, audit)).toBeUndefined();
      expect(await storage.peekOtk(second.hash, 'manager_session', NOW + 2)).toBeDefined();
      await storage.closeRoom('site-a', 'room-3', NOW + 3, event('session.close'));
      expect(await storage.peekOtk(second.hash, 'manager_session', NOW + 4)).toBeUndefined();
    });

    it('claimEvent: the first claim of a (request, event) wins, every later one loses, even when they race', async () => {
      const row = request();
      await storage.createRequest(row, otk(row.requestId, 'open'), event('request.create', row.siteId, row.requestId));
      const racing = await Promise.all(
        Array.from({ length: 8 }, (_, i) => storage.claimEvent(row.requestId, 'submitted', NOW + i)),
      );
      expect(racing.filter(Boolean)).toHaveLength(1);
      expect(await storage.claimEvent(row.requestId, 'submitted', NOW + 10)).toBe(false);
      expect(await storage.claimEvent(row.requestId, 'opened', NOW + 11)).toBe(true);
      const other = request();
      await storage.createRequest(
        other,
        otk(other.requestId, 'open'),
        event('request.create', other.siteId, other.requestId),
      );
      expect(await storage.claimEvent(other.requestId, 'submitted', NOW + 12)).toBe(true);
    });

    it.each(Object.entries(SITE_POLICIES) as Array<[SitePolicy, { byDefault: boolean }]>)(
      'the %s switch holds its default until set, per site and apart from the others, audited, and is gone with the site',
      async (policy, { byDefault }) => {
        const other: SitePolicy = policy === 'manager_view' ? 'idv_paste' : 'manager_view';
        const audited = `site.${policy}` as const;
        expect(await storage.getSitePolicy('site-a', policy)).toBe(byDefault);
        await storage.setSitePolicy('site-a', other, !SITE_POLICIES[other].byDefault, event(`site.${other}`));
        expect(await storage.getSitePolicy('site-a', policy)).toBe(byDefault);
        const before = (await allAudit(storage)).length;
        expect(await storage.setSitePolicy('site-a', policy, !byDefault, event(audited))).toBe(true);
        expect((await allAudit(storage)).slice(before).map((e) => e.action)).toEqual([audited]);
        expect(await storage.getSitePolicy('site-a', policy)).toBe(!byDefault);
        expect(await storage.getSitePolicy('site-a', other)).toBe(!SITE_POLICIES[other].byDefault);
        expect(
          await storage.setSitePolicy('site-a', other, SITE_POLICIES[other].byDefault, event(`site.${other}`)),
        ).toBe(true);
        expect(await storage.getSitePolicy('site-a', policy)).toBe(!byDefault);

        const beforeUnknown = (await allAudit(storage)).length;
        expect(await storage.setSitePolicy('nowhere', policy, !byDefault, event(audited, 'nowhere'))).toBe(false);
        expect((await allAudit(storage)).length).toBe(beforeUnknown);
        await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
        expect(await storage.getSitePolicy('site-b', policy)).toBe(byDefault);
        await storage.setSitePolicy('site-b', policy, !byDefault, event(audited, 'site-b'));
        await storage.removeSite('site-b', event('site.remove', 'site-b'));
        await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
        expect(await storage.getSitePolicy('site-b', policy)).toBe(byDefault);
        expect(await storage.setSitePolicy('site-a', policy, byDefault, event(audited))).toBe(true);
        expect(await storage.getSitePolicy('site-a', policy)).toBe(byDefault);
      },
    );

    it('a brand is set whole per site with its logo bytes, found by hash, replaced, cleared, audited, and gone with the site', async () => {
      expect(await storage.getBrand('site-a')).toBeUndefined();
      const logo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 255]);
      const brand = {
        siteId: 'site-a',
        displayName: 'ACME Bank',
        accentColour: '#0b5d33',
        logo: { sha256: 'a'.repeat(64), width: 160, height: 48 },
        updatedAt: NOW,
      };
      const before = (await allAudit(storage)).length;
      expect(await storage.setBrand('site-a', brand, logo, event('site.brand'))).toBe(true);
      expect((await allAudit(storage)).slice(before).map((e) => e.action)).toEqual(['site.brand']);
      expect(await storage.getBrand('site-a')).toEqual(brand);
      expect(await storage.getLogo('a'.repeat(64))).toEqual(logo);
      expect(await storage.getLogo('b'.repeat(64))).toBeUndefined();

      const plain = { ...brand, displayName: 'ACME', accentColour: null, logo: null, updatedAt: NOW + 1 };
      expect(await storage.setBrand('site-a', plain, null, event('site.brand'))).toBe(true);
      expect(await storage.getBrand('site-a')).toEqual(plain);
      expect(await storage.getLogo('a'.repeat(64))).toBeUndefined();
      expect(await storage.setBrand('site-a', null, null, event('site.brand'))).toBe(true);
      expect(await storage.getBrand('site-a')).toBeUndefined();
      expect(await storage.setBrand('nowhere', { ...brand, siteId: 'nowhere' }, logo, event('site.brand'))).toBe(false);

      await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
      await storage.setBrand('site-b', { ...brand, siteId: 'site-b' }, logo, event('site.brand', 'site-b'));
      await storage.removeSite('site-b', event('site.remove', 'site-b'));
      expect(await storage.getLogo('a'.repeat(64))).toBeUndefined();
      await storage.addSite(site('site-b'), key('site-b'), event('site.add', 'site-b'));
      expect(await storage.getBrand('site-b')).toBeUndefined();
    });

    it('a close for a site removed meanwhile is refused whole, as removed meanwhile: no mark, no audit entry', async () => {
      await storage.addSite(site('site-gone'), key('site-gone'), event('site.add', 'site-gone'));
      await storage.removeSite('site-gone', event('site.remove', 'site-gone'));
      const before = (await allAudit(storage)).length;
      const refused: unknown = await storage
        .closeRoom('site-gone', 'room-1', NOW, event('session.close', 'site-gone'))
        .catch((error: unknown) => error);
      expect(isRemovedMeanwhile(refused)).toBe(true);
      expect(await storage.isRoomClosed('site-gone', 'room-1')).toBe(false);
      expect((await allAudit(storage)).length).toBe(before);
    });

    it('closeRoom closes unfinished requests, keeps submitted ones, kills every OTK of the room, and is idempotent', async () => {
      const submitted = await submittedRequest();
      const detok = await mintedDetokenizeOtk(submitted.requestId);
      const { row: opened, submitHash } = await openedRequest();
      const pending = request();
      const open = otk(pending.requestId, 'open');
      await storage.createRequest(pending, open, event('request.create'));
      const otherRoom = request({ roomId: 'room-2' });
      const otherOpen = otk(otherRoom.requestId, 'open');
      await storage.createRequest(otherRoom, otherOpen, event('request.create'));

      expect(await storage.isRoomClosed('site-a', 'room-1')).toBe(false);
      const ids = await storage.closeRoom('site-a', 'room-1', NOW + 50, event('session.close'));
      expect(ids.sort()).toEqual([submitted.requestId, opened.requestId, pending.requestId].sort());
      expect(await storage.isRoomClosed('site-a', 'room-1')).toBe(true);
      expect(await storage.isRoomClosed('site-b', 'room-1')).toBe(false);
      expect((await storage.getRequest(submitted.requestId))!.status).toBe('submitted');
      expect(await storage.getRequest(opened.requestId)).toMatchObject({ status: 'closed', finishedAt: NOW + 50 });
      expect(await storage.getRequest(pending.requestId)).toMatchObject({ status: 'closed', finishedAt: NOW + 50 });
      for (const [hash, purpose] of [
        [detok.hash, 'detokenize'],
        [submitHash, 'submit'],
        [open.hash, 'open'],
      ] as const) {
        expect(await storage.peekOtk(hash, purpose, NOW)).toBeUndefined();
      }
      expect(await storage.peekOtk(otherOpen.hash, 'open', NOW)).toBeDefined();
      expect(await storage.getRecord(submitted.requestId)).toBeDefined();

      const again = await storage.closeRoom('site-a', 'room-1', NOW + 60, event('session.close'));
      expect(again.sort()).toEqual(ids.sort());
      expect((await storage.getRequest(pending.requestId))!.finishedAt).toBe(NOW + 50);
    });

    it('expireDue marks lapsed pending and opened requests expired (up to the limit), kills their OTKs, audits each, once', async () => {
      const lapsedPending = request({ expiresAt: NOW + 1000 });
      const pendingOpen = otk(lapsedPending.requestId, 'open');
      await storage.createRequest(lapsedPending, pendingOpen, event('request.create'));
      const { row: lapsedOpened, submitHash } = await openedRequest();
      const live = request({ expiresAt: NOW + 10 * 60 * MINUTE });
      await storage.createRequest(live, otk(live.requestId, 'open'), event('request.create'));
      const submitted = await submittedRequest();
      const later = NOW + 31 * MINUTE;

      const first = await storage.expireDue(later, 1, EXPIRE);
      expect(first.map((r) => r.requestId)).toEqual([lapsedPending.requestId]);
      expect(first[0]).toMatchObject({ status: 'expired', finishedAt: later });
      const rest = await storage.expireDue(later, 100, EXPIRE);
      expect(rest.map((r) => r.requestId)).toEqual([lapsedOpened.requestId]);
      expect(await storage.expireDue(later, 100, EXPIRE)).toEqual([]);
      expect(await storage.peekOtk(pendingOpen.hash, 'open', NOW)).toBeUndefined();
      expect(await storage.peekOtk(submitHash, 'submit', NOW)).toBeUndefined();
      expect((await storage.getRequest(live.requestId))!.status).toBe('pending');
      expect((await storage.getRequest(submitted.requestId))!.status).toBe('submitted');
      const expiries = (await allAudit(storage)).filter((e) => e.action === 'request.expire');
      expect(expiries.map((e) => e.requestId).sort()).toEqual([lapsedPending.requestId, lapsedOpened.requestId].sort());
    });

    it('sweeps running at once expire each request once', async () => {
      const rows = Array.from({ length: 12 }, () => request({ expiresAt: NOW }));
      for (const row of rows) await storage.createRequest(row, otk(row.requestId, 'open'), event('request.create'));
      const sweeps = await Promise.all([
        storage.expireDue(NOW + 1, 5, EXPIRE),
        storage.expireDue(NOW + 1, 5, EXPIRE),
        storage.expireDue(NOW + 1, 5, EXPIRE),
      ]);
      const more = await storage.expireDue(NOW + 1, 100, EXPIRE);
      const ids = [...sweeps.flat(), ...more].map((r) => r.requestId);
      expect(ids.sort()).toEqual(rows.map((r) => r.requestId).sort());
    });

    const DAY = 24 * 60 * MINUTE;
    const PURGE = event('retention.purge', null);

    it('purge deletes requests and records older than the cutoff and dead OTKs, and counts them', async () => {
      const old = await submittedRequest({ createdAt: NOW - 400 * DAY });
      await storage.closeRoom('site-a', 'room-old', NOW - 400 * DAY, event('session.close'));
      const recent = await submittedRequest({ roomId: 'room-2' });
      const dead = otk(recent.requestId, 'detokenize', { expiresAt: NOW - 1 });
      const live = otk(recent.requestId, 'detokenize', { expiresAt: NOW + MINUTE });
      await storage.insertOtk(dead, event('otk.mint'));
      await storage.insertOtk(live, event('otk.mint'));
      const counts = await storage.purge(NOW - 396 * DAY, NOW, 100, PURGE);
      expect(counts).toEqual({ records: 1, requests: 1, otks: 1, closedRooms: 1 });
      expect(await storage.getRequest(old.requestId)).toBeUndefined();
      expect(await storage.getRecord(old.requestId)).toBeUndefined();
      expect(await storage.isRoomClosed('site-a', 'room-old')).toBe(false);
      expect(await storage.getRecord(recent.requestId)).toBeDefined();
      expect(await storage.peekOtk(live.hash, 'detokenize', NOW)).toBeDefined();
      expect((await allAudit(storage)).pop()).toMatchObject({
        action: 'retention.purge',
        detail: JSON.stringify(counts),
      });
    });

    it('purge goes in steps of at most `limit` of each, oldest requests first, each step audited with its counts', async () => {
      const oldest = await submittedRequest({ createdAt: NOW - 400 * DAY, roomId: 'room-1' });
      const older = await submittedRequest({ createdAt: NOW - 399 * DAY, roomId: 'room-2' });
      // Submitted long after it was made: its record is younger than the cutoff, and goes with it.
      const { row: old, submitHash } = await openedRequest({ createdAt: NOW - 398 * DAY, roomId: 'room-3' });
      expect(await submit(old, submitHash, record(old.requestId, old.siteId, NOW))).toBeDefined();
      const recent = await submittedRequest({ roomId: 'room-4' });
      for (const n of [1, 2, 3]) {
        await storage.insertOtk(otk(recent.requestId, 'detokenize', { expiresAt: NOW - n }), event('otk.mint'));
        await storage.closeRoom('site-a', `closed-${n}`, NOW - (400 + n) * DAY, event('session.close'));
      }
      const cutoff = NOW - 396 * DAY;

      const first = await storage.purge(cutoff, NOW, 2, PURGE);
      expect(first).toEqual({ records: 2, requests: 2, otks: 2, closedRooms: 2 });
      expect(await storage.getRequest(oldest.requestId)).toBeUndefined();
      expect(await storage.getRequest(older.requestId)).toBeUndefined();
      expect(await storage.getRequest(old.requestId)).toBeDefined();
      expect((await allAudit(storage)).pop()).toMatchObject({
        action: 'retention.purge',
        detail: JSON.stringify(first),
      });

      const second = await storage.purge(cutoff, NOW, 2, PURGE);
      expect(second).toEqual({ records: 1, requests: 1, otks: 1, closedRooms: 1 });
      expect(await storage.getRequest(old.requestId)).toBeUndefined();
      expect(await storage.getRecord(old.requestId)).toBeUndefined();
      expect((await allAudit(storage)).pop()).toMatchObject({ detail: JSON.stringify(second) });

      expect(await storage.purge(cutoff, NOW, 2, PURGE)).toEqual({ records: 0, requests: 0, otks: 0, closedRooms: 0 });
      expect(await storage.getRecord(recent.requestId)).toBeDefined();
    });

    it('every step appends exactly one audit entry, the chain verifies, and readAudit pages through it', async () => {
      const count = async () => (await allAudit(storage)).length;
      let expected = await count();
      const step = async (work: () => Promise<unknown>) => {
        await work();
        expected += 1;
        expect(await count()).toBe(expected);
      };
      const row = request();
      const open = otk(row.requestId, 'open');
      const submitHash = randomBytes(32).toString('hex');
      await step(() => storage.createRequest(row, open, event('request.create')));
      await step(() =>
        storage.openRequest(
          open.hash,
          { hash: submitHash, expiresAt: NOW + MINUTE },
          NOW,
          auditEvent('request.open', { at: NOW, actor: 'visitor' }),
        ),
      );
      await step(() =>
        storage.submitRequest(
          submitHash,
          row.requestId,
          record(row.requestId),
          NOW,
          auditEvent('request.submit', { at: NOW, actor: 'visitor' }),
        ),
      );
      const detok = otk(row.requestId, 'detokenize');
      await step(() => storage.insertOtk(detok, event('otk.mint')));
      await step(() =>
        storage.redeemDetokenizeOtk(detok.hash, 'site-a', 'agent-1', row.requestId, NOW, event('detokenize.ok')),
      );
      await step(() => storage.appendAudit(event('otk.refused')));
      await step(() => storage.rotateSiteKey(key('site-a', NOW + 1), event('keys.rotate')));
      await step(() => storage.closeRoom('site-a', 'room-1', NOW, event('session.close')));
      await step(() => storage.purge(0, NOW, 100, PURGE));
      await step(() => storage.removeSite('site-a', event('site.remove')));

      const entries = await allAudit(storage);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(await verifyChain(iterate(entries))).toEqual({ ok: true, count: entries.length });
      expect(await storage.readAudit(entries.length, 10)).toEqual([]);
      expect((await storage.readAudit(2, 3)).map((e) => e.seq)).toEqual([3, 4, 5]);
      for (const entry of entries) expect(typeof entry.at).toBe('number');
    });

    it('concurrent writers append one unbroken chain', async () => {
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i += 1) {
        const row = request();
        work.push(storage.createRequest(row, otk(row.requestId, 'open'), event('request.create')));
        work.push(storage.appendAudit(event('otk.refused')));
      }
      await Promise.all(work);
      const entries = await allAudit(storage);
      expect(entries).toHaveLength(41);
      expect(await verifyChain(iterate(entries))).toEqual({ ok: true, count: 41 });
    });

    it('a step that fails leaves nothing behind: no row and no audit entry', async () => {
      const first = request();
      const open = otk(first.requestId, 'open');
      await storage.createRequest(first, open, event('request.create'));
      const before = (await allAudit(storage)).length;
      const second = request();
      // Same OTK hash: the OTK insert fails after the request insert succeeded.
      // Not `.rejects.toThrow()`: better-sqlite3's native addon keeps the SqliteError class of the
      // first test file that loaded it, from another realm, so Jest would not see an Error.
      const outcome = await storage
        .createRequest(second, { ...open, requestId: second.requestId }, event('request.create'))
        .then(
          () => 'stored',
          (error: unknown) => String((error as { message?: unknown }).message),
        );
      expect(outcome).toMatch(/UNIQUE|duplicate key/);
      expect(await storage.getRequest(second.requestId)).toBeUndefined();
      expect((await allAudit(storage)).length).toBe(before);
      // The storage is still usable afterwards.
      const third = request();
      await storage.createRequest(third, otk(third.requestId, 'open'), event('request.create'));
      expect(await storage.getRequest(third.requestId)).toBeDefined();
    });

    it('relays: stored per site, replaced, listed, removed with their site; each change audited', async () => {
      const relay = (relayId: string, config = '{"v":1}') => ({
        siteId: 'site-a',
        relayId,
        config,
        sealedSecret: 'c2VhbGVk',
        createdAt: NOW,
        updatedAt: NOW,
      });
      const before = (await allAudit(storage)).length;
      expect(await storage.putRelay(relay('stripe'), event('relay.configure'))).toBe(true);
      expect(
        await storage.putRelay(
          { ...relay('stripe', '{"v":2}'), sealedSecret: null, updatedAt: NOW + 1 },
          event('relay.configure'),
        ),
      ).toBe(true);
      expect(await storage.putRelay(relay('adyen'), event('relay.configure'))).toBe(true);
      expect(await storage.putRelay({ ...relay('x'), siteId: 'nowhere' }, event('relay.configure'))).toBe(false);
      expect(await storage.getRelay('site-a', 'stripe')).toEqual({
        ...relay('stripe', '{"v":2}'),
        sealedSecret: null,
        updatedAt: NOW + 1,
      });
      expect((await storage.listRelays('site-a')).map((r) => r.relayId)).toEqual(['adyen', 'stripe']);
      expect(await storage.removeRelay('site-a', 'adyen', event('relay.remove'))).toBe(true);
      expect(await storage.removeRelay('site-a', 'adyen', event('relay.remove'))).toBe(false);
      expect((await allAudit(storage)).length).toBe(before + 4);
      await storage.removeSite('site-a', event('site.remove'));
      expect(await storage.listRelays('site-a')).toEqual([]);
    });

    it('relay sends: one sender at a time, final outcomes stay, unknown and failed ones may go again', async () => {
      const row = await submittedRequest();
      const id = row.requestId;
      expect(await storage.getRelaySend(id)).toBeUndefined();
      expect(await storage.beginRelaySend(id, 'stripe', NOW, NOW - MINUTE)).toEqual({
        previous: undefined,
        attempt: 1,
      });
      // A second sender while the first is under way gets nothing…
      expect(await storage.beginRelaySend(id, 'stripe', NOW + 1, NOW - MINUTE)).toBeUndefined();
      // …unless the first has been silent past the stale bound (it crashed): then it reconciles.
      expect(await storage.beginRelaySend(id, 'stripe', NOW + 2, NOW + 1)).toEqual({ previous: 'sending', attempt: 2 });
      await storage.finishRelaySend(id, 'unknown', null, NOW + 3, event('relay.send', 'site-a', id));
      expect(await storage.beginRelaySend(id, 'stripe', NOW + 4, NOW - MINUTE)).toEqual({
        previous: 'unknown',
        attempt: 3,
      });
      await storage.finishRelaySend(id, 'approved', '{"last4":"4242"}', NOW + 5, event('relay.send', 'site-a', id));
      expect(await storage.getRelaySend(id)).toEqual({
        requestId: id,
        relayId: 'stripe',
        state: 'approved',
        kept: '{"last4":"4242"}',
        attempts: 3,
        updatedAt: NOW + 5,
      });
      // A room's listing reads the sends of many requests at once: those without one are left out.
      const unsent = (await submittedRequest()).requestId;
      expect(await storage.getRelaySends([unsent, id, 'not-a-request'])).toEqual([await storage.getRelaySend(id)]);
      expect(await storage.getRelaySends([])).toEqual([]);
      expect(await storage.beginRelaySend(id, 'stripe', NOW + 6, NOW + 6)).toBeUndefined();
    });

    it("erasing a visitor removes their relay outcomes (the kept answer fields) with their requests, and no one else's", async () => {
      const erased = await submittedRequest({ visitorToken: 'visitor-erased', roomId: 'room-erased' });
      const kept = await submittedRequest({ visitorToken: 'visitor-kept', roomId: 'room-kept' });
      for (const { requestId } of [erased, kept]) {
        await storage.beginRelaySend(requestId, 'stripe', NOW, NOW - MINUTE);
        await storage.finishRelaySend(
          requestId,
          'approved',
          '{"last4":"4242"}',
          NOW + 1,
          event('relay.send', 'site-a', requestId),
        );
      }
      const outcome = await storage.eraseRequests('site-a', { visitorToken: 'visitor-erased' }, () =>
        event('visitor.erase'),
      );
      expect(outcome.requests.map((r) => r.requestId)).toEqual([erased.requestId]);
      expect(await storage.getRelaySend(erased.requestId)).toBeUndefined();
      expect((await storage.getRelaySend(kept.requestId))?.state).toBe('approved');
    });
  });
}
