/**
 * Property-based fuzzing over HTTP: urlencoded and JSON bodies, and paths, as a stranger sends
 * them to the visitor routes and the API. Every answer is a deliberate status with the security
 * headers, never a 500, and never quotes what was sent.
 */
import fc from 'fast-check';
import { cardForm, createAndOpen, startTestVault, type TestVault } from '../helpers/vault';
import { fuzz, hostileText } from './fuzz-settings';

jest.setTimeout(120_000);

/** Percent-encodes every UTF-8 byte (a lone surrogate becomes U+FFFD, as a browser would send it). */
const percentEncode = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

describe('fuzz: hostile requests', () => {
  let vault: TestVault;
  let submitPath: string;

  beforeAll(async () => {
    vault = await startTestVault();
    ({ submitPath } = await createAndOpen(vault, cardForm()));
  });
  afterAll(() => vault.close());

  function expectDeliberate(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
    expect(response.statusCode).toBeLessThan(500);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  }

  it('urlencoded submits: 4xx or a re-rendered form, never a 500', async () => {
    const pair = fc.tuple(
      fc.oneof(
        hostileText,
        hostileText.map((t) => `v.${t}`),
      ),
      hostileText,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { maxLength: 8 }), fc.boolean(), async (pairs, encode) => {
        const body = pairs
          .map(([k, v]) => (encode ? `${percentEncode(k)}=${percentEncode(v)}` : `${k}=${v}`))
          .join('&');
        const response = await vault.call('POST', submitPath, body, null, {
          'content-type': 'application/x-www-form-urlencoded',
        });
        expectDeliberate(response);
        // A complete valid card is not what random text makes: the link stays alive for the next run.
        expect(response.statusCode).not.toBe(200);
      }),
      fuzz(),
    );
  });

  it('JSON submits and JSON API bodies: 4xx, never a 500', async () => {
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ values: fc.dictionary(hostileText, fc.jsonValue()) }),
      hostileText,
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        expectDeliberate(await vault.call('POST', submitPath, text, null));
        const created = await vault.call('POST', '/v1/requests', text);
        expectDeliberate(created);
        expect([400, 422]).toContain(created.statusCode);
        expectDeliberate(await vault.call('POST', '/v1/detokenize', text));
      }),
      fuzz(),
    );
  });

  it('request bodies shaped almost right: 201 or a clear 400, never a 500', async () => {
    const almost = fc.record(
      {
        kind: fc.constantFrom('form', 'idv', 'other'),
        roomId: fc.oneof(fc.constant('room-f'), hostileText),
        agentId: fc.oneof(fc.constant('agent-1'), hostileText),
        callbackUrl: fc.oneof(fc.constant('http://chat.test/api/x'), hostileText),
        locale: fc.oneof(fc.constantFrom('en', 'de', 'pt-BR'), hostileText),
        form: fc.record({
          id: hostileText,
          title: hostileText,
          fields: fc.array(
            fc.record({ id: hostileText, label: hostileText, type: fc.oneof(fc.constant('text'), hostileText) }),
            { maxLength: 3 },
          ),
        }),
        idv: fc.record({ label: hostileText, positions: fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 3 }) }),
      },
      { requiredKeys: ['kind'] },
    );
    await fc.assert(
      fc.asyncProperty(almost, async (payload) => {
        const response = await vault.call('POST', '/v1/requests', payload);
        expectDeliberate(response);
        expect([201, 400, 422]).toContain(response.statusCode);
      }),
      fuzz(),
    );
  });

  it('paths with hostile segments: 4xx, the headers, and no echo of the segment', async () => {
    const marker = fc.stringMatching(/^[A-Za-z]{12}$/).map((s) => `ZQ${s}`);
    await fc.assert(
      fc.asyncProperty(
        marker,
        hostileText,
        fc.constantFrom('/f/', '/v/', '/v1/requests/', '/assets/'),
        async (m, tail, prefix) => {
          const raw = `${prefix}${m}${tail}`.replace(/[\s#?]/g, '');
          const response = await vault.call('GET', raw, undefined, null);
          expectDeliberate(response);
          expect(response.body).not.toContain(m);
        },
      ),
      fuzz(),
    );
  });
});
