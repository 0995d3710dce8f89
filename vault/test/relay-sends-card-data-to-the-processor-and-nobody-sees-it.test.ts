/**
 * Issue 17's vault side through the API: a card form bound to a Stripe-shaped relay is submitted;
 * nobody can detokenize or view it (sender, other agent, manager); the sender's "send to
 * processor" sends it once over HTTPS to the local processor with the request ID as idempotency
 * key, keeps only outcome, brand and last 4, and erases the CVV. A timeout is an unknown outcome
 * that the next send reconciles without a second charge; a processor that is down leaves the
 * request retryable; a private address is refused at connect time; the card number appears in
 * nothing the vault answers, logs or audits.
 */
import type { CreateRequestBody } from '../src/contract';
import { ephemeralKey } from '../src/service/request-spec';
import { CALLBACK, TestClock, startTestVault, type TestVault } from './helpers/vault';
import { LocalProcessor, PROCESSOR_SECRET } from '../../testkit/local-processor';

const PAN = '4242424242424242';
const DECLINED_PAN = '4000000000000002';

function cardRequest(relay: string, roomId = 'room-1'): CreateRequestBody {
  return {
    kind: 'form',
    roomId,
    agentId: 'agent-1',
    locale: 'en',
    callbackUrl: CALLBACK,
    form: {
      id: 'card_payment',
      title: 'Card payment',
      relay,
      fields: [
        { id: 'cardholder', label: 'Name on card', type: 'text', required: true },
        { id: 'pan', label: 'Card number', type: 'card_number', required: true, masked: true },
        { id: 'expiry', label: 'Expiry date', type: 'expiry', required: true },
        { id: 'cvv', label: 'Security code', type: 'cvv', required: true },
      ],
    },
  };
}

/** A generic JSON processor's template (the local processor reads it as Stripe's form). */
const JSON_TEMPLATE = {
  format: 'json',
  body: {
    amount: '{{param.amount}}',
    currency: '{{param.currency}}',
    card: { number: '{{pan}}', exp_month: '{{expiry.month}}', exp_year: '{{expiry.year}}', cvc: '{{cvv}}' },
  },
};

describe('relays: card data goes to the processor, and no person sees it', () => {
  let processor: LocalProcessor;
  let vault: TestVault;
  const clock = new TestClock();

  const configure = (relayId: string, over: Record<string, unknown> = {}, secret = true) =>
    vault.app.vault.relays.configure(
      'site-a',
      relayId,
      {
        url: processor.localUrl,
        allowHosts: ['localhost'],
        allowPrivateAddresses: true,
        trustedCa: processor.ca,
        timeoutMs: 5000,
        template: 'stripe_payment_intent',
        ...over,
      },
      secret ? { name: 'Authorization', value: `Bearer ${PROCESSOR_SECRET}` } : undefined,
    );

  /** Creates a card request bound to `relay`, and submits it as the visitor's page would. */
  async function submitted(relay: string, pan = PAN, roomId = 'room-1'): Promise<string> {
    const created = await vault.call('POST', '/v1/requests', cardRequest(relay, roomId));
    expect(created.statusCode).toBe(201);
    const { requestId, visitorUrl } = created.json<{ requestId: string; visitorUrl: string }>();
    const opened = await vault.call('GET', new URL(visitorUrl).pathname, undefined, null, {
      accept: 'application/json',
    });
    const submitUrl = new URL(opened.json<{ submitUrl: string }>().submitUrl).pathname;
    const submit = await vault.call(
      'POST',
      submitUrl,
      {
        values: { cardholder: 'Ada Lovelace', pan, expiry: '04/31', cvv: '123' },
      },
      null,
    );
    expect(submit.statusCode).toBe(200);
    return requestId;
  }

  const send = (requestId: string, agentId = 'agent-1') =>
    vault.call('POST', `/v1/requests/${requestId}/relay`, { agentId, params: { amount: '1999', currency: 'eur' } });

  beforeAll(async () => {
    processor = await LocalProcessor.start();
    vault = await startTestVault({ clock: clock.now });
    await configure('stripe');
    // A short timeout for the cases that wait for one; the rest allow a loaded machine its time.
    await configure('stripe_short', { timeoutMs: 800 });
  });
  afterAll(async () => {
    await vault.close();
    await processor.stop();
  });
  beforeEach(() => {
    processor.mode = 'normal';
  });

  it('sends once, answers "approved •••• 4242", keeps only the kept fields and erases the CVV', async () => {
    const requestId = await submitted('stripe');
    const before = processor.received.length;
    const first = await send(requestId);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      requestId,
      relayId: 'stripe',
      outcome: 'approved',
      last4: '4242',
      kept: { id: expect.stringMatching(/^pi_/) as string, status: 'succeeded', brand: 'visa', last4: '4242' },
    });
    expect(processor.received.length).toBe(before + 1);
    const [sent] = processor.received.slice(before);
    expect(sent.headers['idempotency-key']).toBe(requestId);
    expect(sent.headers.authorization).toBe(`Bearer ${PROCESSOR_SECRET}`);
    const form = new URLSearchParams(sent.body);
    expect(form.get('payment_method_data[card][number]')).toBe(PAN);
    expect(form.get('payment_method_data[card][cvc]')).toBe('123');
    expect(form.get('payment_method_data[card][exp_year]')).toBe('2031');
    expect(await vault.app.vault.ephemeral.get(ephemeralKey(requestId))).toBeUndefined();

    // Sending again answers the same outcome and sends nothing.
    const again = await send(requestId);
    expect(again.json()).toEqual(first.json());
    expect(processor.received.length).toBe(before + 1);
    const state = await vault.call('GET', `/v1/requests/${requestId}`);
    expect(state.json<{ relay: unknown }>().relay).toEqual({
      relayId: 'stripe',
      outcome: 'approved',
      kept: first.json<{ kept: unknown }>().kept,
    });
    // The room's listing says the same of it.
    const listed = (await vault.call('GET', '/v1/rooms/room-1/requests')).json<{ requests: { requestId: string }[] }>();
    expect(listed.requests.find((request) => request.requestId === requestId)).toEqual(state.json());
  });

  it('a generic JSON template goes the same way', async () => {
    await configure('json', {
      template: JSON_TEMPLATE,
      keep: { status: 'status', last4: 'payment_method.card.last4' },
    });
    const requestId = await submitted('json');
    const answer = await send(requestId);
    expect(answer.json()).toEqual({
      requestId,
      relayId: 'json',
      outcome: 'approved',
      last4: '4242',
      kept: { status: 'succeeded', last4: '4242' },
    });
    const sent = processor.received[processor.received.length - 1];
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({
      amount: '1999',
      currency: 'eur',
      card: { number: PAN, exp_month: '4', exp_year: '2031', cvc: '123' },
    });
  });

  it('is never detokenized or viewed: not by the sender, another agent or a manager', async () => {
    const requestId = await submitted('stripe');
    await vault.app.vault.sites.setPolicy('site-a', 'manager_view', true);
    for (const [route, body] of [
      ['otk', { agentId: 'agent-1' }],
      ['otk', { agentId: 'agent-2' }],
      ['viewer', { agentId: 'agent-1' }],
      ['viewer', { agentId: 'manager-1', purpose: 'manager', reason: 'dispute' }],
    ] as const) {
      const refused = await vault.call('POST', `/v1/requests/${requestId}/${route}`, body);
      expect([route, body.agentId, refused.statusCode, refused.json<{ error: { code: string } }>().error.code]).toEqual(
        [route, body.agentId, 409, 'relay_bound'],
      );
    }
    const other = await send(requestId, 'agent-2');
    expect(other.statusCode).toBe(403);
    expect(other.json<{ error: { code: string } }>().error.code).toBe('not_sender');
  });

  it('a timeout is an unknown outcome; the next send reconciles with the same key and charges once', async () => {
    const requestId = await submitted('stripe_short');
    const charges = processor.charges;
    processor.mode = 'slow_once';
    const unknown = await send(requestId);
    expect(unknown.json()).toMatchObject({ outcome: 'unknown', kept: {} });
    expect(processor.charges).toBe(charges + 1);
    // The CVV still lives: the outcome is not final.
    expect(await vault.app.vault.ephemeral.get(ephemeralKey(requestId))).toBeDefined();
    const reconciled = await send(requestId);
    expect(reconciled.json()).toMatchObject({ outcome: 'approved', last4: '4242' });
    expect(processor.charges).toBe(charges + 1);
    const keys = processor.received.slice(-2).map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([requestId, requestId]);
  });

  it('a replay the processor refuses (other parameters, same key) leaves the outcome unknown, not failed', async () => {
    const requestId = await submitted('stripe');
    const charges = processor.charges;
    processor.mode = 'charge_then_500';
    expect((await send(requestId)).json()).toMatchObject({ outcome: 'unknown' });
    expect(processor.charges).toBe(charges + 1);
    const other = await vault.call('POST', `/v1/requests/${requestId}/relay`, {
      agentId: 'agent-1',
      params: { amount: '2500', currency: 'eur' },
    });
    // The processor refused the reused key (400): the first attempt did charge, so not "failed".
    expect(other.json()).toMatchObject({ outcome: 'unknown' });
    expect((await send(requestId)).json()).toMatchObject({ outcome: 'approved', last4: '4242' });
    expect(processor.charges).toBe(charges + 1);
  });

  it('a decline keeps its code and is final; a processor that is down leaves the request retryable', async () => {
    const declinedId = await submitted('stripe', DECLINED_PAN);
    const declined = await send(declinedId);
    expect(declined.json()).toMatchObject({
      outcome: 'declined',
      last4: '0002',
      kept: { decline_code: 'generic_decline', error_code: 'card_declined' },
    });
    expect(await vault.app.vault.ephemeral.get(ephemeralKey(declinedId))).toBeUndefined();
    // Answered 200 but waiting for 3-D Secure, which a relay cannot give: not approved.
    const authenticationId = await submitted('stripe', '4000002760003184');
    expect((await send(authenticationId)).json()).toMatchObject({ outcome: 'declined', last4: '3184' });

    await configure('down', { url: 'https://localhost:9/v1/payment_intents' });
    const downId = await submitted('down');
    expect((await send(downId)).json()).toMatchObject({ outcome: 'failed', kept: {} });
    expect(await vault.app.vault.ephemeral.get(ephemeralKey(downId))).toBeDefined();
    for (const mode of ['error_500', 'garbage', 'redirect'] as const) {
      processor.mode = mode;
      const id = await submitted('stripe');
      expect([mode, (await send(id)).json<{ outcome: string }>().outcome]).toEqual([mode, 'unknown']);
    }
  });

  it('refuses a private address at connect time unless the relay allows it', async () => {
    await configure('public-only', { allowPrivateAddresses: false });
    const requestId = await submitted('public-only');
    const before = processor.received.length;
    expect((await send(requestId)).json()).toMatchObject({ outcome: 'failed' });
    expect(processor.received.length).toBe(before);
    const audit = await vault.app.vault.storage.readAudit(0, 10000);
    const entry = audit.filter((e) => e.action === 'relay.send' && e.requestId === requestId).pop();
    expect(JSON.parse(entry?.detail ?? '{}')).toMatchObject({ state: 'failed', reason: 'private_address' });
  });

  it('one send at a time; a call that cannot be sent leaves no trace and may be corrected', async () => {
    const requestId = await submitted('stripe_short');
    const noParams = await vault.call('POST', `/v1/requests/${requestId}/relay`, { agentId: 'agent-1' });
    expect(noParams.statusCode).toBe(409);
    expect(noParams.json<{ error: { message: string } }>().error.message).toMatch(/parameter amount is required/);
    expect(await vault.app.vault.storage.getRelaySend(requestId)).toBeUndefined();
    processor.mode = 'slow_once';
    const [first, second] = await Promise.all([send(requestId), send(requestId)]);
    expect([first.json<{ outcome?: string }>().outcome, second.statusCode].sort()).toEqual([409, 'unknown'].sort());
    const refused = [first, second].find((r) => r.statusCode === 409);
    expect(refused?.json<{ error: { code: string } }>().error.code).toBe('relay_in_progress');
    expect((await send(requestId)).json()).toMatchObject({ outcome: 'approved', last4: '4242' });
  });

  it('can retry only while the CVV lives', async () => {
    await configure('down2', { url: 'https://localhost:9/v1/payment_intents' });
    const requestId = await submitted('down2');
    expect((await send(requestId)).json()).toMatchObject({ outcome: 'failed' });
    clock.advance(301);
    const late = await send(requestId);
    expect(late.statusCode).toBe(409);
    expect(late.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'off_record_gone',
      message: expect.stringMatching(/security code is no longer kept/),
    });
  });

  it('checks relays when configured and when a form names one', async () => {
    await expect(configure('plain', { url: processor.localUrl.replace('https:', 'http:') })).rejects.toThrow(/https/);
    await expect(configure('elsewhere', { allowHosts: ['api.stripe.com'] })).rejects.toThrow(/not in allowHosts/);
    await expect(configure('custom', { template: { format: 'json', body: { n: '{{pan | raw}}' } } })).rejects.toThrow(
      /template/,
    );
    const unknown = await vault.call('POST', '/v1/requests', cardRequest('nowhere'));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ error: { message: string } }>().error.message).toMatch(/no relay "nowhere"/);
    const noCvv = cardRequest('stripe');
    noCvv.form!.fields = noCvv.form!.fields.filter((f) => f.id !== 'cvv');
    const lacking = await vault.call('POST', '/v1/requests', noCvv);
    expect(lacking.json<{ error: { message: string } }>().error.message).toMatch(/needs a field "cvv"/);
    const listed = await vault.app.vault.relays.list('site-a');
    expect(listed.find((r) => r.relayId === 'stripe')).toMatchObject({
      secretHeader: 'authorization',
      template: 'form',
    });
    expect(JSON.stringify(listed)).not.toContain(PROCESSOR_SECRET);
  });

  it("a visitor's export carries the outcome and its kept fields; their erasure removes them", async () => {
    const requestId = await submitted('stripe', PAN, 'room-gdpr');
    expect((await send(requestId)).json()).toMatchObject({ outcome: 'approved' });
    const exported = await vault.call('POST', '/v1/visitors/export', { roomId: 'room-gdpr', adminId: 'admin-1' });
    expect(exported.statusCode).toBe(200);
    expect(exported.json<{ requests: { relay: unknown }[] }>().requests.map((r) => r.relay)).toEqual([
      { relayId: 'stripe', outcome: 'approved', kept: expect.objectContaining({ last4: '4242' }) as unknown },
    ]);
    const erased = await vault.call('POST', '/v1/visitors/erase', { roomId: 'room-gdpr', adminId: 'admin-1' });
    expect(erased.statusCode).toBe(200);
    expect(erased.json()).toMatchObject({ erased: { requests: 1 }, requestIds: [requestId] });
    expect(await vault.app.vault.storage.getRelaySend(requestId)).toBeUndefined();
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).statusCode).toBe(404);
  });

  it('a kept field that repeats the card number (even cut) or its code is withheld, and the audit names it', async () => {
    await configure('echoing', {
      template: JSON_TEMPLATE,
      keep: { status: 'status', last4: 'payment_method.card.last4', echo: 'echo', message: 'message', id: 'id' },
    });
    processor.mode = 'echo';
    const requestId = await submitted('echoing');
    const answer = (await send(requestId)).json<{ outcome: string; kept: Record<string, unknown> }>();
    expect(answer.outcome).toBe('approved');
    expect(answer.kept).toEqual({ status: 'succeeded', last4: '4242', id: expect.stringMatching(/^pi_/) });
    // Cut to 64 characters, the echo held 12 of the card's 16 digits: withheld all the same.
    expect(JSON.parse(processor.received[processor.received.length - 1].body).card.number).toBe(PAN);
    const state = (await vault.call('GET', `/v1/requests/${requestId}`)).json<{ relay: { kept: unknown } }>();
    expect(state.relay.kept).toEqual(answer.kept);
    const entry = (await vault.app.vault.storage.readAudit(0, 100000)).filter((e) => e.action === 'relay.send').pop();
    expect(JSON.parse(entry?.detail ?? '{}')).toMatchObject({ state: 'approved', withheld: ['echo', 'message'] });
  });

  it('the card number and the secret appear in nothing the vault answered, logged or audited', async () => {
    const audit = JSON.stringify(await vault.app.vault.storage.readAudit(0, 100000));
    const relays = JSON.stringify(await vault.app.vault.storage.listRelays('site-a'));
    for (const secret of [PAN, DECLINED_PAN, PROCESSOR_SECRET]) {
      expect([secret, vault.responses.some((body) => body.includes(secret))]).toEqual([secret, false]);
      expect([secret, vault.logs.text.includes(secret)]).toEqual([secret, false]);
      expect([secret, audit.includes(secret), relays.includes(secret)]).toEqual([secret, false, false]);
    }
    // The card number left the vault only in the processor's requests, one per send that went out.
    const carrying = processor.received.filter((r) => r.body.includes(PAN));
    expect(carrying.length).toBeGreaterThan(0);
    expect(carrying.every((r) => r.url === '/v1/payment_intents')).toBe(true);
  });
});
