/**
 * The relay's two ground parts against a local HTTPS processor (Stripe's request shape): templates
 * are placeholders only, encoded for their body format; the sender goes over HTTPS to allowed
 * hosts only, checks the address it connects to after DNS, follows no redirect, trusts the
 * configured CA, and calls a timeout an unknown outcome that an idempotent replay reconciles
 * without charging twice.
 */
import dns from 'node:dns';
import { validateValue } from '../src/contract/field-rules';
import {
  checkTemplate,
  renderTemplate,
  STRIPE_KEEP,
  STRIPE_PAYMENT_INTENT,
  TemplateError,
  type RelayTemplate,
  type TemplateValues,
} from '../src/relay/template';
import { isPrivateAddress, keepFields, repeatsSubmitted, sendOnce, type RelayDestination } from '../src/relay/outbound';
import { LocalProcessor, PROCESSOR_HOST, PROCESSOR_SECRET } from '../../testkit/local-processor';

const CARD: TemplateValues = {
  requestId: '7b0d3f52-3f0c-4b8e-9d7e-2f1c1f0f8a11',
  fields: { name: 'Ada "&=" Lovelace', pan: '4242 4242 4242 4242', expiry: '04/31', cvv: '123' },
  types: { name: 'text', pan: 'card_number', expiry: 'expiry', cvv: 'cvv' },
  params: { amount: '1999', currency: 'eur' },
};

/** processor.test resolves to the loopback address the local processor listens on. */
const toLoopback = ((hostname: string, options: object, callback: (...args: unknown[]) => void) =>
  hostname === PROCESSOR_HOST
    ? callback(null, [{ address: '127.0.0.1', family: 4 }])
    : dns.lookup(hostname, options, callback as never)) as unknown as typeof dns.lookup;

describe('relay templates', () => {
  it('renders Stripe’s form-encoded PaymentIntent with the digits, month, year and parameters', () => {
    const { contentType, body } = renderTemplate(STRIPE_PAYMENT_INTENT, CARD);
    expect(contentType).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(body);
    expect(form.get('payment_method_data[card][number]')).toBe('4242424242424242');
    expect(form.get('payment_method_data[card][exp_month]')).toBe('4');
    expect(form.get('payment_method_data[card][exp_year]')).toBe('2031');
    expect(form.get('payment_method_data[card][cvc]')).toBe('123');
    expect(form.get('amount')).toBe('1999');
    expect(form.get('metadata[vault_request_id]')).toBe(CARD.requestId);
    expect(form.getAll('expand[]')).toEqual(['payment_method']);
  });

  it('reads the month and year of every expiry the form accepts, by the form’s own rule', () => {
    const parts = (expiry: string) => {
      const json: RelayTemplate = { format: 'json', body: { m: '{{expiry.month}}', y: '{{expiry.year}}' } };
      return JSON.parse(renderTemplate(json, { ...CARD, fields: { ...CARD.fields, expiry } }).body) as unknown;
    };
    for (const expiry of ['04/31', '4/31', '04/2031', ' 4 / 2031 ', '0431', '042031', '04-31', '04.31', '04 31']) {
      expect(
        validateValue(
          { id: 'e', label: 'e', type: 'expiry', required: true, masked: false, offTheRecord: false },
          expiry,
          new Date(0),
        ),
      ).toBeUndefined();
      expect(parts(expiry)).toEqual({ m: '4', y: '2031' });
    }
    expect(() => parts('13/31')).toThrow(/not an expiry date/);
  });

  it('encodes values for the body format: a value cannot add a form pair or break out of a JSON string', () => {
    const form: RelayTemplate = {
      format: 'form',
      body: [
        ['name', '{{name}}'],
        ['amount', '{{param.amount}}'],
      ],
    };
    const rendered = new URLSearchParams(renderTemplate(form, CARD).body);
    expect([...rendered.keys()]).toEqual(['name', 'amount']);
    expect(rendered.get('name')).toBe('Ada "&=" Lovelace');
    const json: RelayTemplate = { format: 'json', body: { card: { holder: 'Holder: {{name}}', n: '{{pan}}' }, n: 1 } };
    expect(JSON.parse(renderTemplate(json, CARD).body)).toEqual({
      card: { holder: 'Holder: Ada "&=" Lovelace', n: '4242424242424242' },
      n: 1,
    });
  });

  it('has no language beyond placeholders, and refuses what it cannot fill', () => {
    const bad =
      (body: unknown, format: 'json' | 'form' = 'json') =>
      () =>
        checkTemplate({ format, body });
    expect(bad({ a: '{{pan | upper}}' })).toThrow(TemplateError);
    expect(bad({ a: '{{#if pan}}x{{/if}}' })).toThrow(TemplateError);
    expect(bad([['{{pan}}', 'x']], 'form')).toThrow(/form names are literal/);
    expect(bad({ a: 1 }, 'form')).toThrow(/list of \[name, value\] pairs/);
    const render =
      (body: unknown, values = CARD) =>
      () =>
        renderTemplate({ format: 'json', body }, values);
    expect(render({ a: '{{missing}}' })).toThrow(/the field missing has no value/);
    expect(render({ a: '{{name.month}}' })).toThrow(/only expiry fields/);
    expect(render({ a: '{{param.amount}}' }, { ...CARD, params: { amount: '1<script>' } })).toThrow(/plain words/);
    // A parameter is typed by an agent: nothing shaped like a card number may travel in one.
    for (const amount of ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242.4242']) {
      expect(render({ a: '{{param.amount}}' }, { ...CARD, params: { amount } })).toThrow(/plain words/);
    }
    expect(render({ a: '{{param.amount}}' }, { ...CARD, params: { amount: '12345678901' } })).not.toThrow();
    expect(render({ a: '{{param.currency}}' }, { ...CARD, params: {} })).toThrow(/parameter currency is required/);
  });
});

describe('sending once to a local HTTPS processor', () => {
  let processor: LocalProcessor;
  let destination: RelayDestination;
  const body = () => renderTemplate(STRIPE_PAYMENT_INTENT, CARD);
  const send = (over: Partial<RelayDestination> = {}, key = CARD.requestId) =>
    sendOnce({ ...destination, ...over }, body(), key, { resolve: toLoopback });

  beforeAll(async () => {
    processor = await LocalProcessor.start();
    destination = {
      url: processor.url,
      method: 'POST',
      headers: { authorization: `Bearer ${PROCESSOR_SECRET}` },
      allowHosts: [PROCESSOR_HOST],
      allowPrivateAddresses: true,
      trustedCa: processor.ca,
      timeoutMs: 800,
    };
  });
  afterAll(() => processor.stop());
  beforeEach(() => {
    processor.mode = 'normal';
  });

  it('sends the card once, with the idempotency key, and keeps only outcome, brand and last 4', async () => {
    const outcome = await send({}, 'req-approve');
    expect(outcome).toMatchObject({ kind: 'answered', status: 200 });
    const received = processor.received[processor.received.length - 1];
    expect(received.headers['idempotency-key']).toBe('req-approve');
    expect(received.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(received.body).get('payment_method_data[card][number]')).toBe('4242424242424242');
    const kept = keepFields((outcome as { body: unknown }).body, STRIPE_KEEP);
    expect(kept).toEqual({
      id: expect.stringMatching(/^pi_/) as string,
      status: 'succeeded',
      brand: 'visa',
      last4: '4242',
    });
  });

  it('a decline is an answer (402) with its decline code', async () => {
    const declined = await sendOnce(
      destination,
      renderTemplate(STRIPE_PAYMENT_INTENT, { ...CARD, fields: { ...CARD.fields, pan: '4000000000000002' } }),
      'req-decline',
      { resolve: toLoopback },
    );
    expect(declined).toMatchObject({ kind: 'answered', status: 402 });
    expect(keepFields((declined as { body: unknown }).body, STRIPE_KEEP)).toMatchObject({
      decline_code: 'generic_decline',
      error_code: 'card_declined',
      last4: '0002',
    });
  });

  it('a timeout is an unknown outcome; replaying the same key reconciles it without a second charge', async () => {
    const before = processor.charges;
    processor.mode = 'slow_once';
    expect(await send({}, 'req-slow')).toEqual({ kind: 'unknown', reason: 'timeout' });
    expect(processor.charges).toBe(before + 1);
    const reconciled = await send({}, 'req-slow');
    expect(reconciled).toMatchObject({ kind: 'answered', status: 200 });
    expect(processor.charges).toBe(before + 1);
  });

  it('refuses plain HTTP, hosts off the allow-list, and private addresses found at connect time', async () => {
    const count = processor.received.length;
    expect(await send({ url: processor.url.replace('https:', 'http:') })).toEqual({
      kind: 'not_sent',
      reason: 'not_https',
    });
    expect(await send({ allowHosts: ['api.stripe.com'] })).toEqual({ kind: 'not_sent', reason: 'host_not_allowed' });
    // The name is allowed; what it resolves to (loopback) is not, unless the relay allows private addresses.
    expect(await send({ allowPrivateAddresses: false })).toEqual({ kind: 'not_sent', reason: 'private_address' });
    // An address written as the host (here in hex) is never looked up, and is checked all the same.
    const literal = new URL(processor.url);
    literal.hostname = '0x7f000001';
    expect(await send({ url: literal.toString(), allowHosts: ['127.0.0.1'], allowPrivateAddresses: false })).toEqual({
      kind: 'not_sent',
      reason: 'private_address',
    });
    expect(processor.received.length).toBe(count);
    for (const address of [
      '2002:7f00:1::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      '::7f00:1',
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      'fe80::1',
    ]) {
      expect([address, isPrivateAddress(address)]).toEqual([address, true]);
    }
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) {
      expect([address, isPrivateAddress(address)]).toEqual([address, false]);
    }
  });

  it('trusts only the configured CA, follows no redirect, and takes no garbage for an answer', async () => {
    expect(await send({ trustedCa: undefined })).toEqual({ kind: 'not_sent', reason: 'tls' });
    processor.mode = 'redirect';
    expect(await send()).toEqual({ kind: 'bad_answer', status: 307, reason: 'redirect' });
    processor.mode = 'garbage';
    expect(await send()).toEqual({ kind: 'bad_answer', status: 200, reason: 'not_json' });
    processor.mode = 'error_500';
    expect(await send()).toMatchObject({ kind: 'answered', status: 500 });
  });
});

describe('a kept answer field that repeats what the visitor submitted', () => {
  const submitted = [
    { type: 'card_number', value: '4242 4242 4242 4242', secret: false },
    { type: 'cvv', value: '737', secret: true },
    { type: 'text', value: 'Zanzibar', secret: true },
    { type: 'text', value: 'Ada Lovelace', secret: false },
    { type: 'select', value: 'visa', secret: false },
  ];
  it.each([
    ['the card number as sent', '{"number":"4242424242424242"}', true],
    ['the card number spaced', 'card 4242 4242 4242 4242 refused', true],
    ['the card number with dots', '4242.4242.4242.4242', true],
    ['the card number with slashes', '4242/4242/4242/4242', true],
    ['seven of its digits in a row (a cut echo)', '{"card":"4242424', true],
    ['the code as a token of its own', 'security code 737 incorrect', true],
    ['the code as a kept number', '737', true],
    ['a masked answer', 'answer was Zanzibar', true],
    ['its BIN and last four, masked', '424242••••••4242', false],
    ['its last four', '4242', false],
    ['the code inside an id', 'pi_3OaB737xYzQ', false],
    ['the code inside a longer number', 'amount 17370', false],
    ['the name on the card', 'holder Ada Lovelace', false],
    ['a choice from a list', 'visa', false],
    ['nothing of it', 'succeeded', false],
  ])('%s: %s', (_name, text, repeats) => {
    expect(repeatsSubmitted(text, submitted)).toBe(repeats);
  });
});
