import { hashOtk } from '../src/otk/otk';
import {
  cardForm,
  createAndOpen,
  futureExpiry,
  idvRequest,
  openPage,
  pathOf,
  startClockedVault,
  TestClock,
  type TestVault,
  useClockedVault,
} from './helpers/vault';

const INVALID_OTK = { error: { code: 'invalid_otk', message: 'This one-time key is not valid.' } };

describe('every OTK misuse gets the same refusal', () => {
  let vault: TestVault;
  let clock: TestClock;
  let requestId: string;
  let submitPath: string;
  let visitorPath: string;

  useClockedVault(async (started) => {
    ({ vault, clock } = started);
    const opened = await createAndOpen(vault, idvRequest());
    ({ requestId, submitPath, visitorPath } = opened);
    expect((await vault.call('POST', submitPath, { values: { 2: '7', 4: '3' } }, null)).statusCode).toBe(200);
  });

  const mint = async (agentId = 'agent-1', apiKey?: string) =>
    (await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId }, apiKey)).json().otk as string;
  const redeem = (otk: string, agentId = 'agent-1', apiKey?: string) =>
    vault.call('POST', '/v1/detokenize', { otk, agentId }, apiKey);

  function expectRefused(response: { statusCode: number; json(): unknown }) {
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual(INVALID_OTK);
  }

  it('a replayed detokenize OTK', async () => {
    const otk = await mint();
    expect((await redeem(otk)).statusCode).toBe(200);
    expectRefused(await redeem(otk));
  });

  it('an OTK redeemed by another agent, who also cannot burn it', async () => {
    const otk = await mint();
    expectRefused(await redeem(otk, 'agent-2'));
    expect((await redeem(otk)).statusCode).toBe(200);
  });

  it('an OTK of site A presented by site B', async () => {
    const otherSite = await vault.addSite('site-b');
    const otk = await mint();
    expectRefused(await redeem(otk, 'agent-1', otherSite.apiKey));
  });

  it('an expired OTK', async () => {
    const otk = await mint();
    clock.advance(31);
    expectRefused(await redeem(otk));
  });

  it('an OTK minted before the room closed', async () => {
    const otk = await mint();
    await vault.call('POST', '/v1/sessions/close', { roomId: 'room-1' });
    expectRefused(await redeem(otk));
  });

  it('visitor OTKs (open and submit) used to detokenize, and garbage', async () => {
    expectRefused(await redeem(visitorPath.split('/')[2]));
    expectRefused(await redeem(submitPath.split('/')[2]));
    expectRefused(await redeem('not-an-otk'));
    expectRefused(await redeem('A'.repeat(43)));
  });

  it('a detokenize OTK used as a visitor link, and a submit OTK used to open the page', async () => {
    const otk = await mint();
    const asPage = await vault.call('GET', `/f/${otk}`, undefined, null);
    expect(asPage.statusCode).toBe(404);
    const submitOtk = submitPath.split('/')[2];
    const asOpen = await vault.call('GET', `/f/${submitOtk}`, undefined, null);
    expect(asOpen.statusCode).toBe(404);
    expect(asOpen.body).toBe(asPage.body);
    // The detokenize OTK still works for its purpose afterwards: a wrong-purpose try did not burn it.
    expect((await redeem(otk)).statusCode).toBe(200);
  });

  it('a minted OTK is refused for any agent but the sender, and that refusal is audited', async () => {
    const refused = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-2' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('not_sender');
    const audit = await vault.app.vault.storage.readAudit(0, 100);
    expect(
      audit.some((e) => e.action === 'otk.refused' && e.actor === 'agent:agent-2' && e.requestId === requestId),
    ).toBe(true);
  });

  it('another site cannot see or mint for the request at all', async () => {
    const otherSite = await vault.addSite('site-b');
    expect((await vault.call('GET', `/v1/requests/${requestId}`, undefined, otherSite.apiKey)).statusCode).toBe(404);
    expect(
      (await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' }, otherSite.apiKey)).statusCode,
    ).toBe(404);
  });

  it('OTKs are stored only as hashes', async () => {
    const otk = await mint();
    const { storage } = vault.app.vault;
    expect(await storage.peekOtk(otk, 'detokenize', clock.now())).toBeUndefined();
    expect(await storage.peekOtk(hashOtk(otk), 'detokenize', clock.now())).toMatchObject({
      requestId,
      agentId: 'agent-1',
    });
  });
});

describe('visitor links', () => {
  it('open once: a reused, expired or unknown link shows one friendly 404 page', async () => {
    const { vault, clock } = await startClockedVault();
    try {
      const first = (await vault.call('POST', '/v1/requests', cardForm())).json();
      const page = await openPage(vault, first.visitorUrl);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('id="visitor-form"');
      const reused = await vault.call('GET', pathOf(first.visitorUrl), undefined, null);
      const reopened = await openPage(vault, first.visitorUrl);
      expect(reopened.statusCode).toBe(404);
      const unknown = await vault.call('GET', `/f/${'x'.repeat(43)}`, undefined, null);
      const garbage = await vault.call('GET', '/f/%3Cscript%3E', undefined, null);
      const second = (await vault.call('POST', '/v1/requests', cardForm())).json();
      clock.advance(5 * 60 + 1);
      const expired = await vault.call('GET', pathOf(second.visitorUrl), undefined, null);
      for (const dead of [reused, unknown, garbage, expired]) {
        expect(dead.statusCode).toBe(404);
        expect(dead.headers['content-type']).toMatch(/text\/html/);
        expect(dead.body).toBe(reused.body);
      }
    } finally {
      await vault.close();
    }
  });

  it('the submit window closes after its TTL, and a closed room kills open pages', async () => {
    const { vault, clock } = await startClockedVault();
    try {
      const late = await createAndOpen(vault, cardForm());
      clock.advance(30 * 60 + 1);
      const values = { name: 'A', pan: '4111111111111111', exp: futureExpiry(), cvv: '123' };
      expect((await vault.call('POST', late.submitPath, { values }, null)).statusCode).toBe(404);
      expect((await vault.call('GET', `/v1/requests/${late.requestId}`)).json().status).toBe('expired');

      const closed = await createAndOpen(vault, cardForm({ roomId: 'room-9' }));
      await vault.call('POST', '/v1/sessions/close', { roomId: 'room-9' });
      expect((await vault.call('POST', closed.submitPath, { values }, null)).statusCode).toBe(404);
      expect((await vault.call('GET', `/v1/requests/${closed.requestId}`)).json().status).toBe('closed');
      const refused = await vault.call('POST', '/v1/requests', cardForm({ roomId: 'room-9' }));
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe('session_closed');
    } finally {
      await vault.close();
    }
  });
});
