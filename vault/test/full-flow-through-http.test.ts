import {
  cardForm,
  createAndOpen,
  futureExpiry,
  idvRequest,
  openPage,
  pathOf,
  reveal,
  startClockedVault,
  startTestVault,
  testConfig,
  type TestVault,
} from './helpers/vault';
import { buildApp } from '../src/http/app';
import { LIMITS } from '../src/contract/limits';
import { LogCapture } from './helpers/vault';

describe('the whole flow of VAULT-API.md through inject()', () => {
  let vault: TestVault;
  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  it('card form: create, open, submit, state, reveal to the sender once, close', async () => {
    const created = await vault.call('POST', '/v1/requests', cardForm());
    expect(created.statusCode).toBe(201);
    const { requestId, visitorUrl, expiresAt } = created.json();
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(visitorUrl).toMatch(/^http:\/\/vault\.test\/f\/[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());

    let state = await vault.call('GET', `/v1/requests/${requestId}`);
    expect(state.json()).toMatchObject({
      requestId,
      kind: 'form',
      status: 'pending',
      roomId: 'room-1',
      agentId: 'agent-1',
      title: 'Card payment',
    });

    const page = await vault.call('GET', pathOf(visitorUrl), undefined, null, { accept: 'application/json' });
    expect(page.statusCode).toBe(200);
    const view = page.json();
    expect(view).toMatchObject({ requestId, kind: 'form', title: 'Card payment', locale: 'en' });
    expect(view.fields.map((f: { id: string }) => f.id)).toEqual(['name', 'pan', 'exp', 'cvv']);
    expect(view.fields.find((f: { id: string }) => f.id === 'cvv')).toMatchObject({ offTheRecord: true, masked: true });
    expect(view.submitUrl).toMatch(/^http:\/\/vault\.test\/f\/[A-Za-z0-9_-]{43}\/submit$/);

    state = await vault.call('GET', `/v1/requests/${requestId}`);
    expect(state.json()).toMatchObject({ status: 'opened' });
    expect(state.json().openedAt).toBeDefined();

    const exp = futureExpiry();
    const submitted = await vault.call(
      'POST',
      pathOf(view.submitUrl),
      { values: { name: 'Ada Lovelace', pan: '4111 1111 1111 1111', exp, cvv: '123' } },
      null,
    );
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json()).toEqual({ status: 'submitted' });

    state = await vault.call('GET', `/v1/requests/${requestId}`);
    expect(state.json()).toMatchObject({
      status: 'submitted',
      fields: [
        { id: 'name', label: 'Name on card', offTheRecord: false },
        { id: 'pan', label: 'Card number', offTheRecord: false },
        { id: 'exp', label: 'Expiry date', offTheRecord: false },
        { id: 'cvv', label: 'Security code', offTheRecord: true },
      ],
    });
    expect(state.body).not.toMatch(/4111 ?1111 ?1111 ?1111/);

    const shown = await reveal(vault, requestId);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({
      requestId,
      values: { name: 'Ada Lovelace', pan: '4111111111111111', exp, cvv: '123' },
      expired: [],
    });
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().viewedAt).toBeDefined();

    expect((await vault.call('POST', '/v1/sessions/close', { roomId: 'room-1' })).statusCode).toBe(204);
    const afterClose = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
    expect(afterClose.statusCode).toBe(409);
    expect(afterClose.json().error.code).toBe('session_closed');
  });

  it('ID&V: answers keyed by position, kept only in memory, revealed to the sender', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    const view = await vault.call('GET', `/v1/requests/${requestId}`);
    expect(view.json()).toMatchObject({ kind: 'idv', title: 'PIN', idv: { label: 'PIN', positions: [2, 4] } });

    const bad = await vault.call('POST', submitPath, { values: { 2: '77', 4: '' } }, null);
    expect(bad.statusCode).toBe(422);
    expect(Object.keys(bad.json().error.fields).sort()).toEqual(['2', '4']);

    const ok = await vault.call('POST', submitPath, { values: { 2: '7', 4: '3' } }, null);
    expect(ok.json()).toEqual({ status: 'submitted' });
    expect(await vault.app.vault.storage.getRecord(requestId)).toBeUndefined();

    const shown = await reveal(vault, requestId);
    expect(shown.json()).toEqual({ requestId, values: { 2: '7', 4: '3' }, expired: [] });
    // The agent may reveal again while the memory window lasts.
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '7', 4: '3' });
  });

  it('ID&V: a space is an answer, as a password may hold one; the agent gets a space', async () => {
    const { requestId, visitorUrl } = (await vault.call('POST', '/v1/requests', idvRequest())).json();
    const opened = await vault.call('GET', new URL(visitorUrl).pathname, undefined, null, {
      accept: 'application/json',
    });
    // The rule is the vault's: the JSON view's fields are the documented ones, with no flag for it.
    expect(Object.keys(opened.json().fields[0]).sort()).toEqual(
      ['id', 'label', 'masked', 'maxLength', 'minLength', 'offTheRecord', 'required', 'type'].sort(),
    );
    const submitPath = new URL(opened.json().submitUrl).pathname;
    const ok = await vault.call('POST', submitPath, { values: { 2: ' ', 4: '\u3000' } }, null);
    expect(ok.json()).toEqual({ status: 'submitted' });
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: ' ', 4: ' ' });
  });

  it('cancel: the visitor closes the dialog and the request is cancelled for good', async () => {
    const { requestId, submitPath, cancelPath } = await createAndOpen(vault, idvRequest());
    const cancelled = await vault.call('POST', cancelPath, {}, null);
    expect(cancelled.json()).toEqual({ status: 'cancelled' });
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('cancelled');
    expect((await vault.call('POST', submitPath, { values: { 2: '7', 4: '3' } }, null)).statusCode).toBe(404);
    expect((await vault.call('POST', cancelPath, {}, null)).statusCode).toBe(404);
  });

  it("lists a room's requests with their states", async () => {
    await createAndOpen(vault, idvRequest());
    await vault.call('POST', '/v1/requests', cardForm());
    await vault.call('POST', '/v1/requests', cardForm({ roomId: 'room-2' }));
    const listed = await vault.call('GET', '/v1/rooms/room-1/requests');
    expect(listed.json().requests.map((r: { kind: string; status: string }) => `${r.kind}:${r.status}`)).toEqual([
      'idv:opened',
      'form:pending',
    ]);
    expect(listed.json().truncated).toBe(false);
  });

  it(`lists at most the newest ${LIMITS.roomList} of a room, oldest first, and says it left older ones out`, async () => {
    const { vault: clocked, clock } = await startClockedVault();
    try {
      const ids: string[] = [];
      for (let i = 0; i <= LIMITS.roomList; i += 1) {
        ids.push((await clocked.call('POST', '/v1/requests', cardForm({ roomId: 'crowded' }))).json().requestId);
        clock.advance(1);
      }
      const listed = (await clocked.call('GET', '/v1/rooms/crowded/requests')).json();
      expect(listed.truncated).toBe(true);
      expect(listed.requests.map((r: { requestId: string }) => r.requestId)).toEqual(ids.slice(1));
    } finally {
      await clocked.close();
    }
  });

  it('the HTML page path: urlencoded submit with v.<id> names, then the confirmation page', async () => {
    const created = (await vault.call('POST', '/v1/requests', idvRequest())).json();
    const page = await openPage(vault, created.visitorUrl);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const action = /<form[^>]*action="([^"]+\/submit)"/.exec(page.body)?.[1];
    expect(action).toBeDefined();
    const done = await vault.app.inject({
      method: 'POST',
      url: action!.replace(/&amp;/g, '&'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'v.2=7&v.4=3',
    });
    expect(done.statusCode).toBe(303);
    const final = await vault.call('GET', done.headers.location as string, undefined, null);
    expect(final.body).toMatch(/sent securely/i);
    expect((await reveal(vault, created.requestId)).json().values).toEqual({ 2: '7', 4: '3' });
  });
});

describe('the whole flow against a real listening server', () => {
  it('drives create → page → submit → reveal with fetch over loopback', async () => {
    const config = testConfig({ VAULT_PORT: '0' });
    const app = await buildApp(config, { logStream: new LogCapture(), doorbell: { retryDelaysMs: [] } });
    try {
      const { apiKey } = await app.vault.sites.addSite('site-live', 'http://chat.test');
      await app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      const created = await (
        await fetch(`${base}/v1/requests`, { method: 'POST', headers: auth, body: JSON.stringify(cardForm()) })
      ).json();
      const start = await fetch(`${base}${pathOf(created.visitorUrl)}`);
      expect(start.status).toBe(200);
      expect(start.headers.get('referrer-policy')).toBe('no-referrer');
      const page = await fetch(`${base}${pathOf(created.visitorUrl)}`, {
        method: 'POST',
        body: new URLSearchParams({ action: 'start' }),
      });
      expect(page.status).toBe(200);
      const html = await page.text();
      const action = /action="([^"]+\/submit)"/.exec(html)![1];
      const form = new URLSearchParams({
        'v.name': 'Ada',
        'v.pan': '5555 5555 5555 4444',
        'v.exp': futureExpiry(),
        'v.cvv': '321',
      });
      const done = await fetch(`${base}${action}`, { method: 'POST', body: form });
      expect(done.status).toBe(200);
      expect(new URL(done.url).pathname).toBe('/done/submitted');
      const minted = await (
        await fetch(`${base}/v1/requests/${created.requestId}/otk`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ agentId: 'agent-1' }),
        })
      ).json();
      const values = await (
        await fetch(`${base}/v1/detokenize`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ otk: minted.otk, agentId: 'agent-1' }),
        })
      ).json();
      expect(values.values).toMatchObject({ pan: '5555555555554444', cvv: '321', name: 'Ada' });
    } finally {
      await app.close();
    }
  });
});
