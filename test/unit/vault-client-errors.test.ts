/**
 * The vault client against a scripted IHttp: every failure becomes a VaultCallError with a code the
 * app can act on, and no error message carries the API key, an OTK or what the server said.
 */
import type { IHttp, IHttpRequest, IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import { RequestMethod } from '@rocket.chat/apps-engine/definition/accessors';

import { isVaultConfigured, PROCESSOR_SEND_TIMEOUT_MS, VaultClient } from '../../src/vault/vault-client';
import { outcomeUnknown, VaultCallError, vaultCallErrorMessageKey } from '../../src/vault/vault-call-error';

const API_KEY = 'ivk.0011223344556677.very-secret';
const REQUEST_ID = '8ec94b05-fabb-4fcf-97be-cc1d8d79146c';

type Answer = (url: string, options: IHttpRequest) => Promise<IHttpResponse>;

function scriptedHttp(
  answer: Answer,
): IHttp & { calls: Array<{ method: string; url: string; options: IHttpRequest }> } {
  const calls: Array<{ method: string; url: string; options: IHttpRequest }> = [];
  const make =
    (method: string) =>
    (url: string, options: IHttpRequest = {}) => {
      calls.push({ method, url, options });
      return answer(url, options);
    };
  return { calls, get: make('get'), post: make('post'), put: make('put'), del: make('del'), patch: make('patch') };
}

function respond(statusCode: number, data?: unknown): Promise<IHttpResponse> {
  return Promise.resolve({
    url: '',
    method: RequestMethod.POST,
    statusCode,
    data,
    content: data === undefined ? '' : JSON.stringify(data),
  });
}

function client(answer: Answer, timeoutMs = 1000) {
  const http = scriptedHttp(answer);
  return {
    http,
    vault: new VaultClient(http, { baseUrl: 'http://vault.test', apiKey: API_KEY, siteId: 'rc-1', timeoutMs }),
  };
}

async function failure(promise: Promise<unknown>): Promise<VaultCallError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(VaultCallError);
    expect((err as VaultCallError).message).not.toContain(API_KEY);
    return err as VaultCallError;
  }
  throw new Error('expected a failure');
}

describe('VaultClient', () => {
  it('sends the key only in the Authorization header, with the site ID and a timeout', async () => {
    const { http, vault } = client(() =>
      respond(201, { requestId: REQUEST_ID, visitorUrl: 'http://vault.test/f/abc', expiresAt: 'x' }),
    );
    await vault.createRequest({
      kind: 'idv',
      roomId: 'r1',
      agentId: 'a1',
      callbackUrl: 'http://rc.test/cb',
      idv: { label: 'PIN', positions: [1, 2] },
    });
    const [call] = http.calls;
    expect(call.url).toBe('http://vault.test/v1/requests');
    expect(call.options.headers).toEqual({
      Authorization: `Bearer ${API_KEY}`,
      Accept: 'application/json',
      'X-Vault-Site-Id': 'rc-1',
      'Content-Type': 'application/json',
    });
    expect(call.options.timeout).toBe(1000);
    expect(call.options.content).not.toContain(API_KEY);
  });

  it('sends no body with a GET', async () => {
    const { http, vault } = client(() => respond(200, { requestId: REQUEST_ID, status: 'pending' }));
    await vault.getRequest(REQUEST_ID);
    expect('content' in http.calls[0].options).toBe(false);
  });

  it('claims an event with an empty JSON object: a POST without content leaves Rocket.Chat as a form', async () => {
    const { http, vault } = client(() => respond(201, { requestId: REQUEST_ID, event: 'submitted', claimed: true }));
    expect(await vault.claimEvent(REQUEST_ID, 'submitted')).toBe(true);
    expect(http.calls[0].options).toMatchObject({
      content: '{}',
      headers: expect.objectContaining({ 'Content-Type': 'application/json' }),
    });
  });

  it('reads JSON that Rocket.Chat left unparsed (data null) because a proxy relabelled its type', async () => {
    const relabelled = (statusCode: number, body: unknown) => () =>
      Promise.resolve({ url: '', method: RequestMethod.POST, statusCode, data: null, content: JSON.stringify(body) });
    const ok = client(relabelled(200, { requestId: REQUEST_ID, status: 'pending' }));
    expect(await ok.vault.getRequest(REQUEST_ID)).toMatchObject({ requestId: REQUEST_ID, status: 'pending' });
    const refused = client(relabelled(403, { error: { code: 'not_sender', message: 'no' } }));
    expect((await failure(refused.vault.mintDetokenizeOtk(REQUEST_ID, 'a1'))).code).toBe('not_sender');
    const html = client(() =>
      Promise.resolve({ url: '', method: RequestMethod.GET, statusCode: 200, data: null, content: '<html>' }),
    );
    expect((await failure(html.vault.getRequest(REQUEST_ID))).code).toBe('bad_response');
  });

  it("maps the vault's answers to codes", async () => {
    const cases: Array<[number, unknown, string]> = [
      [401, { error: { code: 'unauthorized', message: 'bad key' } }, 'unauthorized'],
      [403, { error: { code: 'not_sender', message: 'no' } }, 'not_sender'],
      [403, { error: { code: 'invalid_otk', message: 'no' } }, 'invalid_otk'],
      [409, { error: { code: 'session_closed', message: 'closed' } }, 'session_closed'],
      [409, { error: { code: 'not_submitted', message: 'wait' } }, 'not_submitted'],
      [404, { error: { code: 'not_found', message: 'gone' } }, 'not_found'],
      [429, { error: { code: 'rate_limited', message: 'slow down' } }, 'rate_limited'],
      [400, { error: { code: 'bad_request', message: `echo ${API_KEY}` } }, 'rejected'],
      [503, undefined, 'unavailable'],
    ];
    for (const [status, body, code] of cases) {
      const { vault } = client(() => respond(status, body));
      const err = await failure(vault.mintDetokenizeOtk(REQUEST_ID, 'a1'));
      expect({ status, code: err.code }).toEqual({ status, code });
      expect(err.message).not.toContain('bad key');
    }
  });

  it('says "unreachable" for a network error, without repeating it', async () => {
    const { vault } = client(() =>
      Promise.reject(new Error(`connect ECONNREFUSED with Authorization: Bearer ${API_KEY}`)),
    );
    const err = await failure(vault.closeSession('r1'));
    expect(err.code).toBe('unreachable');
    expect(err.message).toBe('POST /v1/sessions/close: the vault could not be reached');
  });

  it.each([
    ['node-fetch, refused', 'request to https://vault.test/v1/x failed, reason: connect ECONNREFUSED 10.0.0.5:443'],
    ['no such host', 'getaddrinfo ENOTFOUND vault.test'],
    ['DNS not answering', 'getaddrinfo EAI_AGAIN vault.test'],
    ['no route', 'connect EHOSTUNREACH 10.0.0.5:443'],
    ['TLS', 'request to https://vault.test/v1/x failed, reason: self-signed certificate'],
  ])('says "unreachable", and that the vault did nothing, for a connection never made (%s)', async (_, text) => {
    const { vault } = client(() => Promise.reject(new Error(text)));
    const err = await failure(vault.closeSession('r1'));
    expect(err.code).toBe('unreachable');
    expect(outcomeUnknown(err)).toBe(false);
  });

  it.each([
    ['reset', 'read ECONNRESET'],
    ['hung up', 'request to https://vault.test/v1/x failed, reason: socket hang up'],
    ['words unknown', 'something else went wrong'],
  ])(
    'says the connection broke, and that the vault may have acted, for a connection lost once made (%s)',
    async (_, text) => {
      const { vault } = client(() => Promise.reject(new Error(`${text} Bearer ${API_KEY}`)));
      const err = await failure(vault.closeSession('r1'));
      expect(err.code).toBe('connection_lost');
      expect(err.message).toBe('POST /v1/sessions/close: the connection broke before the vault answered');
      expect(outcomeUnknown(err)).toBe(true);
      expect(vaultCallErrorMessageKey(err)).toBe('error_vault_unreachable');
    },
  );

  it('gives up after the timeout even if the host never answers', async () => {
    const { vault } = client(() => new Promise<IHttpResponse>(() => undefined), 500);
    const started = Date.now();
    const err = await failure(vault.getRequest(REQUEST_ID));
    expect(err.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('refuses answers that do not fit the contract', async () => {
    expect(
      (
        await failure(
          client(() => respond(201, { requestId: REQUEST_ID, visitorUrl: 'javascript:alert(1)' })).vault.createRequest({
            kind: 'form',
            roomId: 'r',
            agentId: 'a',
            callbackUrl: 'http://x',
          }),
        )
      ).code,
    ).toBe('bad_response');
    expect(
      (
        await failure(
          client(() => respond(200, { requestId: 'another', status: 'pending' })).vault.getRequest(REQUEST_ID),
        )
      ).code,
    ).toBe('bad_response');
  });

  it('sends to the processor with its own longer timeout, and keeps only a well-formed outcome', async () => {
    const answer = {
      requestId: REQUEST_ID,
      relayId: 'stripe',
      outcome: 'approved',
      kept: { id: 'pi_1' },
      last4: '4242',
    };
    const { http, vault } = client(() => respond(200, answer));
    expect(await vault.sendToProcessor(REQUEST_ID, { agentId: 'a1', params: { amount: '1999' } })).toEqual(answer);
    expect(http.calls[0].url).toBe(`http://vault.test/v1/requests/${REQUEST_ID}/relay`);
    expect(http.calls[0].options.timeout).toBe(PROCESSOR_SEND_TIMEOUT_MS);
    // A last 4 that is not four digits is dropped; an unknown outcome or another request is refused.
    const odd = client(() => respond(200, { ...answer, last4: '<b>42</b>' })).vault;
    expect(await odd.sendToProcessor(REQUEST_ID, { agentId: 'a1' })).not.toHaveProperty('last4');
    for (const body of [{ ...answer, outcome: 'charged' }, { ...answer, requestId: 'another' }, undefined]) {
      const err = await failure(client(() => respond(200, body)).vault.sendToProcessor(REQUEST_ID, { agentId: 'a1' }));
      expect(err.code).toBe('bad_response');
    }
  });

  it("maps a relay's refusals to codes with their own message", async () => {
    const cases: Array<[string, string]> = [
      ['relay_bound', 'error_relay_bound'],
      ['relay_in_progress', 'error_relay_in_progress'],
      ['off_record_gone', 'error_off_record_gone'],
      ['conflict', 'error_vault_rejected'],
    ];
    for (const [vaultCode, key] of cases) {
      const { vault } = client(() => respond(409, { error: { code: vaultCode, message: 'no' } }));
      const err = await failure(vault.sendToProcessor(REQUEST_ID, { agentId: 'a1' }));
      expect({ vaultCode, key: vaultCallErrorMessageKey(err), seen: err.vaultCode }).toEqual({
        vaultCode,
        key,
        seen: vaultCode,
      });
    }
  });

  it('mints and redeems a detokenize OTK in one go', async () => {
    const { http, vault } = client((url) =>
      url.endsWith('/otk')
        ? respond(201, { otk: 'one-time', expiresAt: 'x' })
        : respond(200, { requestId: REQUEST_ID, values: { pan: '4111' }, expired: [] }),
    );
    expect(await vault.revealValues(REQUEST_ID, 'a1')).toEqual({
      requestId: REQUEST_ID,
      values: { pan: '4111' },
      expired: [],
    });
    expect(http.calls.map((c) => [c.url, c.options.content])).toEqual([
      [`http://vault.test/v1/requests/${REQUEST_ID}/otk`, JSON.stringify({ agentId: 'a1' })],
      ['http://vault.test/v1/detokenize', JSON.stringify({ otk: 'one-time', agentId: 'a1' })],
    ]);
  });

  it('does not call a vault that is not configured', async () => {
    const url = 'https://vault.example.com';
    expect(isVaultConfigured({ baseUrl: url, apiKey: API_KEY, siteId: 'rc-1' })).toBe(true);
    expect(isVaultConfigured({ baseUrl: '', apiKey: API_KEY, siteId: 'rc-1' })).toBe(false);
    expect(isVaultConfigured({ baseUrl: 'vault.example.com', apiKey: API_KEY, siteId: 'rc-1' })).toBe(false);
    expect(isVaultConfigured({ baseUrl: url, apiKey: '', siteId: 'rc-1' })).toBe(false);
    // A key or site ID a header cannot carry: pasted with a line break, a curly quote, an emoji.
    for (const bad of [`${API_KEY}\n`, `“${API_KEY}”`, `${API_KEY} `, `${API_KEY}😀`]) {
      expect(isVaultConfigured({ baseUrl: url, apiKey: bad, siteId: 'rc-1' })).toBe(false);
      expect(isVaultConfigured({ baseUrl: url, apiKey: API_KEY, siteId: bad })).toBe(false);
    }
    const http = scriptedHttp(() => respond(200));
    const err = await failure(
      new VaultClient(http, { baseUrl: '', apiKey: '', siteId: '', timeoutMs: 1000 }).closeSession('r'),
    );
    expect(err.code).toBe('not_configured');
    expect(http.calls).toEqual([]);
  });

  it('takes a 404 on create for a vault URL that does not lead to the vault, not for an unknown request', async () => {
    const err = await failure(
      client(() =>
        respond(404, { error: { code: 'not_found', message: 'Route POST:/vault/v1/requests not found' } }),
      ).vault.createRequest({} as never),
    );
    expect(err.code).toBe('rejected');
    expect(err.message).toMatch(/check that the vault URL setting leads to the vault/);
    expect(vaultCallErrorMessageKey(err)).toBe('error_vault_rejected');
  });

  it('has a message for the agent for every failure', () => {
    expect(vaultCallErrorMessageKey(new VaultCallError('timeout', 'x'))).toBe('error_vault_timeout');
    expect(vaultCallErrorMessageKey(new VaultCallError('not_sender', 'x'))).toBe('error_not_sender');
    expect(vaultCallErrorMessageKey(new Error('anything'))).toBe('error_vault_unreachable');
  });
});
