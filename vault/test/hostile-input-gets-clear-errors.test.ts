import { holdsForbiddenCharacter, isVisible, LIMITS } from '../src/contract/limits';
import {
  CALLBACK,
  cardForm,
  createAndOpen,
  futureExpiry,
  idvRequest,
  openPage,
  reveal,
  startTestVault,
  testConfig,
  type TestVault,
} from './helpers/vault';

describe('garbage in gets a clear 4xx and leaves nothing behind', () => {
  let vault: TestVault;
  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  const requestCount = async () =>
    (await vault.app.vault.storage.listRoomRequests(vault.site.siteId, 'room-1', 10_000)).length;

  it('malformed JSON: 400 invalid_json, and the message never quotes the input', async () => {
    const response = await vault.call('POST', '/v1/requests', '{"kind": "idv", "roomId": CANARY-JSON-9931');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
    expect(response.body).not.toContain('CANARY');
    expect(vault.logs.text).not.toContain('CANARY');
    expect(await requestCount()).toBe(0);
  });

  it('a "__proto__" or "constructor.prototype" key: 400 saying so (it is JSON), on the API and the visitor submit', async () => {
    const refusal =
      'The body holds a "__proto__" key, or a "constructor" key holding "prototype": the vault refuses both.';
    const request = JSON.stringify(idvRequest());
    for (const body of [
      `{"__proto__":{"polluted":true},${request.slice(1)}`,
      `{"\\u005f_proto__":{"polluted":true},${request.slice(1)}`,
      `{"constructor":{"prototype":{"polluted":true}},${request.slice(1)}`,
    ]) {
      const response = await vault.call('POST', '/v1/requests', body);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toEqual({ code: 'bad_request', message: refusal });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await requestCount()).toBe(0);

    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    const poisoned = await vault.call('POST', submitPath, '{"values":{"2":"1","4":"2","__proto__":{"x":1}}}', null);
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json().error.message).toBe(refusal);
    const empty = await vault.call('POST', submitPath, '', null);
    expect(empty.json().error).toEqual({ code: 'invalid_json', message: 'The body is empty: send JSON.' });
    expect((await vault.call('POST', submitPath, { values: { 2: '1', 4: '2' } }, null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '1', 4: '2' });
  });

  it('one key twice in one object: 400, on the API and the visitor submit, and the link stays usable', async () => {
    const refusal = 'The body holds one key twice in one object: send each once.';
    const request = JSON.stringify(idvRequest());
    for (const body of [
      `{"agentId":"someone-else",${request.slice(1)}`,
      request.replace('{"label"', '{"label":"x","labe\\u006c"'),
    ]) {
      const response = await vault.call('POST', '/v1/requests', body);
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toEqual({ code: 'bad_request', message: refusal });
    }
    expect(await requestCount()).toBe(0);

    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    const twice = await vault.call('POST', submitPath, '{"values":{"2":"1","4":"2","2":"9"}}', null);
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.message).toBe(refusal);
    // A key's name repeated as a value is no repeat.
    expect((await vault.call('POST', submitPath, '{"values":{"2":"4","4":"2"}}', null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '4', 4: '2' });
  });

  it('JSON nested past 32 brackets: 400 before it is parsed, on the API and the visitor submit, and the link stays usable', async () => {
    const refusal = 'The body nests brackets more than 32 deep: no vault body does.';
    // 1 MiB of brackets: JSON.parse alone took about 0.35 s of the event loop for it.
    const deepest = `{"values":${'['.repeat(500_000)}${']'.repeat(500_000)}}`;
    const request = await vault.call('POST', '/v1/requests', deepest);
    expect(request.statusCode).toBe(400);
    expect(request.json().error).toEqual({ code: 'bad_request', message: refusal });
    expect(await requestCount()).toBe(0);

    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    // Parsed, it was valid JSON refused for its shape; now it is refused before it is parsed.
    const deep = await vault.call('POST', submitPath, deepest, null);
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error.message).toBe(refusal);
    // Brackets inside a string are text, not nesting.
    const inText = `{"values":{"2":"4","4":"2"},"note":"${'['.repeat(100)}"}`;
    expect((await vault.call('POST', submitPath, inText, null)).json().error.message).not.toBe(refusal);
    expect((await vault.call('POST', submitPath, '{"values":{"2":"4","4":"2"}}', null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '4', 4: '2' });
  });

  it('an unknown property: 400 naming it, unless its name is no name (then it is not quoted back)', async () => {
    const named = await vault.call('POST', '/v1/requests', { ...idvRequest(), extra: true });
    expect(named.json().error.message).toContain('"extra"');
    const garbage = `CANARY-KEY-${'x'.repeat(5000)}\n<script>`;
    const unnamed = await vault.call('POST', '/v1/requests', { ...idvRequest(), [garbage]: true });
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json().error.message).toMatch(/additional properties/);
    expect(unnamed.body).not.toContain('CANARY');
    expect(unnamed.body.length).toBeLessThan(300);
  });

  it.each([
    ['wrong kind', { kind: 'payment' }],
    ['number room id', { roomId: 42 }],
    ['string positions', { idv: { label: 'PIN', positions: ['2', '4'] } }],
    ['repeated positions', { idv: { label: 'PIN', positions: [2, 2] } }],
    ['position zero', { idv: { label: 'PIN', positions: [0, 2] } }],
    ['too many positions', { idv: { label: 'PIN', positions: [1, 2, 3, 4, 5] } }],
    ['an unknown property', { extra: true }],
    ['both idv and form', { form: cardForm().form }],
    ['no callbackUrl', { callbackUrl: undefined }],
    ['a control character in the room id', { roomId: 'room\u0000-1' }],
    // Stored, it would come back as U+FFFD, and the app could not match its own room.
    ['an unpaired surrogate in the room id', { roomId: 'room-1\ud800' }],
    ['DEL in the agent id', { agentId: 'agent\u007f' }],
    ['a control character in the visitor token', { visitorToken: 'token\u001b[31m' }],
    ['a bad locale', { locale: 'en us' }],
    ['a space in the callback URL', { callbackUrl: `${CALLBACK}/a b` }],
    ['a callback URL that is not http', { callbackUrl: CALLBACK.replace(/^http/, 'ftp') }],
    // Stored in its own column, it would come back as U+FFFD: the doorbell would ring elsewhere.
    ['an unpaired surrogate in the callback URL', { callbackUrl: `${CALLBACK}\ud800` }],
    [
      'an unpaired surrogate in a form title',
      { kind: 'form', idv: undefined, form: { ...cardForm().form!, title: 'Pay\ud800' } },
    ],
  ])('request with %s: 400 bad_request, said in words', async (_name, patch) => {
    const body = { ...idvRequest(), ...patch };
    const response = await vault.call('POST', '/v1/requests', body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('bad_request');
    expect(response.json().error.message.length).toBeGreaterThan(5);
    expect(response.json().error.message).not.toMatch(/pattern|\\u/);
    expect(await requestCount()).toBe(0);
  });

  it('a callback URL whose scheme is in capitals is taken: schemes are case-insensitive', async () => {
    const response = await vault.call(
      'POST',
      '/v1/requests',
      idvRequest({ callbackUrl: CALLBACK.replace(/^http/, 'HTTP') }),
    );
    expect(response.statusCode).toBe(201);
  });

  it.each([
    ['only zero-width spaces', '\u200b\u200b', /must show something/],
    ['only a Hangul filler', '\u3164', /must show something/],
    ['only blank braille', '\u2800\u2800', /must show something/],
    ['only combining marks', '\u0301\u0308', /must show something/],
    ['only a noncharacter', '\uffff', /must show something/],
    ['only private-use characters', '\ue000\u{10fffd}', /must show something/],
    ['a right-to-left override', 'PIN\u202e4321', /one line of plain text/],
    ['a C1 control', 'P\u0085N', /one line of plain text/],
    ['a line break', 'P\nN', /one line of plain text/],
    ['a line separator', 'P\u2028N', /one line of plain text/],
    ['an unpaired surrogate', 'PIN\ud800', /one line of plain text/],
  ])('an ID&V secret name with %s: 400 in words, as the app refuses it', async (_name, label, says) => {
    const response = await vault.call('POST', '/v1/requests', idvRequest({ idv: { label, positions: [1, 2] } }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(says);
    expect(response.json().error.message).not.toMatch(/pattern|\\u/);
    expect(holdsForbiddenCharacter(label) || !isVisible(label)).toBe(true);
    expect(await requestCount()).toBe(0);
  });

  it.each([
    ['Arabic with a right-to-left mark', '\u200fرمز PIN'],
    ['Hebrew', 'קוד סודי'],
    ['an emoji', 'PIN 🔑'],
  ])('an ID&V secret name in %s is taken', async (_name, label) => {
    const response = await vault.call('POST', '/v1/requests', idvRequest({ idv: { label, positions: [1, 2] } }));
    expect(response.statusCode).toBe(201);
  });

  it('a room id of emoji and right-to-left text is taken, and comes back as sent', async () => {
    const roomId = 'room-😀-שלום';
    const created = await vault.call('POST', '/v1/requests', { ...idvRequest(), roomId });
    expect(created.statusCode).toBe(201);
    expect((await vault.call('GET', `/v1/requests/${created.json().requestId}`)).json().roomId).toBe(roomId);
  });

  it.each([
    ['128 ASCII characters', 'r'.repeat(128)],
    ['128 code points outside the BMP', '😀'.repeat(128)],
  ])('a room id of the longest the contract allows (%s) is listed by its room route', async (_name, roomId) => {
    const created = await vault.call('POST', '/v1/requests', { ...idvRequest(), roomId });
    expect(created.statusCode).toBe(201);
    const listed = await vault.call('GET', `/v1/rooms/${encodeURIComponent(roomId)}/requests`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().requests.map((r: { requestId: string }) => r.requestId)).toEqual([created.json().requestId]);
  });

  it.each([
    [
      'duplicate field ids',
      [
        { id: 'a', label: 'A', type: 'text' },
        { id: 'a', label: 'B', type: 'text' },
      ],
    ],
    ['a select without options', [{ id: 'a', label: 'A', type: 'select' }]],
    ['options on a text field', [{ id: 'a', label: 'A', type: 'text', options: ['x'] }]],
    ['a broken pattern', [{ id: 'a', label: 'A', type: 'text', pattern: '([a-z' }]],
    ['a pattern with a backreference', [{ id: 'a', label: 'A', type: 'text', pattern: '(a)\\1' }]],
    ['a pattern with a lookahead', [{ id: 'a', label: 'A', type: 'text', pattern: '(?=a)a' }]],
    ['a pattern too complex to run', [{ id: 'a', label: 'A', type: 'text', pattern: '(.*){1000}' }]],
    [
      'patterns too complex together',
      ['a', 'b', 'c'].map((id) => ({ id, label: id, type: 'text', pattern: '\\p{L}{900}' })),
    ],
    ['a blank label', [{ id: 'a', label: '   ', type: 'text' }]],
    ['a field id starting with a digit', [{ id: '2fa', label: 'A', type: 'text' }]],
    ['maxLength 0', [{ id: 'a', label: 'A', type: 'text', maxLength: 0 }]],
    ['maxLength above the value limit', [{ id: 'a', label: 'A', type: 'text', maxLength: 5000 }]],
    ['minLength above maxLength', [{ id: 'a', label: 'A', type: 'text', minLength: 5, maxLength: 2 }]],
    ['an unknown type', [{ id: 'a', label: 'A', type: 'password' }]],
    ['no fields', []],
  ])('form with %s: 400', async (_name, fields) => {
    const response = await vault.call(
      'POST',
      '/v1/requests',
      cardForm({ form: { id: 'f', title: 'F', fields } as never }),
    );
    expect(response.statusCode).toBe(400);
    expect(await requestCount()).toBe(0);
  });

  it('huge bodies: 413 on the API and on the visitor submit, past 1 MiB', async () => {
    const huge = cardForm({
      form: { id: 'f', title: 'x'.repeat(1_100_000), fields: [{ id: 'a', label: 'A', type: 'text' }] },
    });
    const response = await vault.call('POST', '/v1/requests', huge);
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
    const { submitPath } = await createAndOpen(vault, idvRequest());
    const submit = await vault.call('POST', submitPath, { values: { 2: 'x'.repeat(1_100_000) } }, null);
    expect(submit.statusCode).toBe(413);
  });

  it('a form post of more entries than any form has is refused before it is cut up, empty ones too', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    for (const body of ['&'.repeat(500_000), 'a=1&'.repeat(200)]) {
      const started = Date.now();
      const response = await vault.call('POST', submitPath, body, null, {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toMatch(/at most 100 values/);
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('opened');
  });

  it('bodies past 64 KiB are taken only where a whole form travels: the submit and the create', async () => {
    const { requestId } = await createAndOpen(vault, idvRequest());
    const close = await vault.call('POST', '/v1/sessions/close', { roomId: 'x'.repeat(70_000) });
    expect(close.statusCode).toBe(413);
    const otk = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'x'.repeat(70_000) });
    expect(otk.statusCode).toBe(413);
  });

  it("a visitor's form post at the contract's limits fits: 50 answers of 1,000 emoji, form-encoded", async () => {
    const fields = Array.from({ length: LIMITS.fields }, (_, i) => ({
      id: `f${i}`,
      label: `Answer ${i}`,
      type: 'text' as const,
      maxLength: LIMITS.value,
    }));
    const { requestId, submitPath } = await createAndOpen(
      vault,
      cardForm({ form: { id: 'long', title: 'Long', fields } }),
    );
    const body = fields.map((f) => `v.${f.id}=${encodeURIComponent('😀'.repeat(LIMITS.value))}`).join('&');
    expect(body.length).toBeGreaterThan(600_000);
    const submit = await vault.call('POST', submitPath, body, null, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(submit.statusCode).toBe(303);
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('submitted');
  });

  it('no key, a bad key, a malformed header: 401 with no hint which part was wrong', async () => {
    const bodies = new Set<string>();
    for (const key of [
      null,
      'nope',
      `${vault.site.apiKey}x`,
      vault.site.apiKey.replace(/\.[^.]+$/, `.${'A'.repeat(43)}`),
    ]) {
      const response = await vault.call('GET', '/v1/rooms/room-1/requests', undefined, key);
      expect(response.statusCode).toBe(401);
      bodies.add(response.body);
    }
    expect(bodies.size).toBe(1);
  });

  it("a key sent under another site's name: 403, under its own: fine", async () => {
    const other = await vault.call('GET', '/v1/rooms/room-1/requests', undefined, undefined, {
      'x-vault-site-id': 'site-b',
    });
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('forbidden');
    expect(
      (
        await vault.call('GET', '/v1/rooms/room-1/requests', undefined, undefined, {
          'x-vault-site-id': vault.site.siteId,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('a request id that is not a UUID: 400; an unknown one: 404', async () => {
    expect((await vault.call('GET', "/v1/requests/1' OR '1'='1")).statusCode).toBe(400);
    expect((await vault.call('GET', '/v1/requests/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('two Authorization headers: 400, whichever of them is the right key', async () => {
    const key = `Bearer ${vault.site.apiKey}`;
    for (const pair of [
      [key, 'Bearer wrong'],
      ['Bearer wrong', key],
    ]) {
      const response = await vault.app.inject({
        method: 'GET',
        url: '/v1/rooms/room-1/requests',
        // light-my-request sends an array as the header repeated; its types take one string.
        headers: { authorization: pair as unknown as string },
      });
      expect([response.statusCode, response.json().error.message]).toEqual([400, 'Send one Authorization header.']);
    }
  });

  it('a known path asked with a method it does not take: 405 naming the methods it does; an unknown path: 404', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, path, allow] of [
      ['PUT', '/v1/requests', 'POST'],
      ['DELETE', `/v1/requests/${id}/`, 'GET, HEAD'],
      ['GET', '/v1/detokenize', 'POST'],
      ['PATCH', '/v1/sessions/close?x=1', 'POST'],
      ['DELETE', `/f/${'a'.repeat(43)}`, 'GET, HEAD, POST'],
    ] as const) {
      const visitorPath = path.startsWith('/f/');
      const response = await vault.call(
        method,
        path,
        undefined,
        visitorPath ? null : undefined,
        visitorPath ? { accept: 'application/json' } : {},
      );
      expect([method, path, response.statusCode, response.headers.allow]).toEqual([method, path, 405, allow]);
      expect(response.json().error.code).toBe('method_not_allowed');
    }
    // A visitor's link asked so by a browser: the page, with the same status and Allow.
    const page = await vault.call('DELETE', `/f/${'a'.repeat(43)}`, undefined, null, { accept: 'text/html' });
    expect([page.statusCode, page.headers.allow, page.headers['content-type']]).toEqual([
      405,
      'GET, HEAD, POST',
      'text/html; charset=utf-8',
    ]);
    const unknown = await vault.call('PUT', '/v1/nothing-here');
    expect([unknown.statusCode, unknown.headers.allow, unknown.json().error.code]).toEqual([
      404,
      undefined,
      'not_found',
    ]);
    // The agent's viewer links (a HEAD, live link or not: no liveness is told) and the ops listener too.
    for (const method of ['HEAD', 'OPTIONS', 'PUT'] as const) {
      const viewer = await vault.app.inject({ method, url: `/v/${'a'.repeat(43)}` });
      expect([method, viewer.statusCode, viewer.headers.allow]).toEqual([method, 405, 'GET, POST']);
    }
    const asJson = await vault.app.inject({ method: 'PUT', url: '/v/s/abc', headers: { accept: 'application/json' } });
    expect([asJson.statusCode, asJson.json().error.code]).toEqual([405, 'method_not_allowed']);
    for (const [method, url] of [
      ['POST', '/metrics'],
      ['OPTIONS', '/readyz'],
    ] as const) {
      const ops = await vault.app.ops.inject({ method, url });
      expect([url, ops.statusCode, ops.headers.allow, ops.json().error.code]).toEqual([
        url,
        405,
        'GET, HEAD',
        'method_not_allowed',
      ]);
    }
    expect((await vault.app.ops.inject({ method: 'GET', url: '/nothing' })).statusCode).toBe(404);
  });

  it('a request id in capitals is the same request (UUIDs are case-insensitive), and a trailing or doubled slash finds its route', async () => {
    const { requestId } = (await vault.call('POST', '/v1/requests', idvRequest())).json();
    const upper = requestId.toUpperCase();
    for (const path of [`/v1/requests/${upper}`, `/v1/requests/${requestId}/`, `//v1/requests/${requestId}`]) {
      const state = await vault.call('GET', path);
      expect([path, state.statusCode, state.json().requestId]).toEqual([path, 200, requestId]);
    }
    const notYet = await vault.call('POST', `/v1/requests/${upper}/otk`, { agentId: 'agent-1' });
    expect(notYet.json().error.code).toBe('not_submitted');
    const other = await vault.call('POST', `/v1/requests/${upper}/otk`, { agentId: 'agent-2' });
    expect(other.json().error.code).toBe('not_sender');
  });

  it.each([
    ['a line break and a header', 'x%0d%0aX-Injected:%201'],
    ['cookie attributes', 'x;%20Domain=evil.example;%20Path=%2F'],
    ['a bidi override', '%E2%80%AE'],
    ['a NUL', 'x%00y'],
    ['the wrong shape', 'xxxx'],
  ])(
    'a viewer session handle with %s: the dead-session 404 on every session route, and no cookie set',
    async (_name, handle) => {
      const dead = (await vault.call('GET', `/v/s/${'0'.repeat(32)}`, undefined, null)).body;
      for (const [method, url] of [
        ['GET', `/v/s/${handle}`],
        ['POST', `/v/s/${handle}/close`],
        ['POST', `/v/s/${handle}/reveal`],
      ]) {
        const response = await vault.call(method, url, undefined, null);
        expect(response.statusCode).toBe(404);
        expect(response.body).toBe(dead);
        expect(response.headers['content-type']).toMatch(/^text\/html/);
        expect(response.headers['content-security-policy']).toBeDefined();
        expect(response.headers['set-cookie']).toBeUndefined();
        expect(response.headers['x-injected']).toBeUndefined();
        expect(response.body).not.toMatch(/evil\.example|FST_|at \//);
      }
      expect(vault.logs.text).not.toContain('request failed');
      const json = await vault.call('POST', `/v/s/${handle}/reveal`, { fieldId: 'pan', action: 'reveal' }, null);
      expect([json.statusCode, json.json().error.code]).toEqual([404, 'not_found']);
    },
  );

  it('wrong types on the visitor JSON submit: 400 and the link stays usable', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    for (const body of [
      { values: [] },
      { values: { 2: 7 } },
      { nothing: true },
      '"just a string"',
      { values: { 2: '1', 4: '2' }, extra: 1 },
    ]) {
      const response = await vault.call('POST', submitPath, body, null);
      expect(response.statusCode).toBe(400);
    }
    const unknownField = await vault.call('POST', submitPath, { values: { 2: '1', 4: '2', 9: '3' } }, null);
    expect(unknownField.statusCode).toBe(422);
    expect((await vault.call('POST', submitPath, { values: { 2: '1', 4: '2' } }, null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '1', 4: '2' });
  });

  it('a body that is not UTF-8, or says another charset, is refused and keeps the link; UTF-8 is taken however it is named', async () => {
    const form = cardForm({
      form: { id: 'named', title: 'Named', fields: [{ id: 'name', label: 'Name', type: 'text', required: true }] },
    });
    const { requestId, submitPath } = await createAndOpen(vault, form);
    const json = 'application/json';
    const post = 'application/x-www-form-urlencoded';
    const refused: Array<[string, string | Buffer]> = [
      [json, Buffer.concat([Buffer.from('{"values":{"name":"A'), Buffer.from([0xff]), Buffer.from('"}}')])],
      [
        `${json}; charset=iso-8859-1`,
        Buffer.concat([Buffer.from('{"values":{"name":"Al'), Buffer.from([0xe9]), Buffer.from('ce"}}')]),
      ],
      [`${json}; charset=utf-16`, '{"values":{"name":"Ada"}}'],
      [post, 'v.name=Al%E9ce'],
      [post, 'v.name=100%ZZ'],
      [`${post}; charset=iso-8859-1`, 'v.name=Ada'],
      [post, Buffer.concat([Buffer.from('v.name=Al'), Buffer.from([0xe9]), Buffer.from('ce')])],
    ];
    for (const [contentType, body] of refused) {
      const response = await vault.call('POST', submitPath, body, null, { 'content-type': contentType, accept: json });
      expect([contentType, response.statusCode]).toEqual([contentType, 400]);
      expect(response.json().error.message).toMatch(/UTF-8/);
    }
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('opened');
    const taken = await vault.call('POST', submitPath, 'v.name=Al%C3%A9ce+%F0%9F%98%80', null, {
      'content-type': `${post}; charset="UTF-8"`,
    });
    expect(taken.statusCode).toBe(303);
    expect((await reveal(vault, requestId)).json().values).toEqual({ name: 'Aléce 😀' });
    const again = await createAndOpen(vault, form);
    const byJson = await vault.call('POST', again.submitPath, '{"values":{"name":"Zoë"}}', null, {
      'content-type': `${json}; charset=utf8`,
    });
    expect(byJson.statusCode).toBe(200);
    const ascii = await createAndOpen(vault, form);
    const inAscii = await vault.call('POST', ascii.submitPath, 'v.name=Zo%C3%AB', null, {
      'content-type': `${post}; charset=US-ASCII`,
    });
    expect(inAscii.statusCode).toBe(303);
  });

  it('fields named like an object\'s own methods ("toString", "constructor") left empty are empty, by JSON and by form post', async () => {
    const form = cardForm({
      form: {
        id: 'methods',
        title: 'Methods',
        fields: [
          { id: 'name', label: 'Name', type: 'text', required: true },
          { id: 'toString', label: 'A', type: 'text' },
          { id: 'constructor', label: 'B', type: 'text' },
        ],
      },
    });
    const byJson = await createAndOpen(vault, form);
    expect((await vault.call('POST', byJson.submitPath, { values: { name: 'Ada' } }, null)).statusCode).toBe(200);
    expect((await reveal(vault, byJson.requestId)).json().values).toEqual({ name: 'Ada' });
    const byPost = await createAndOpen(vault, form);
    const posted = await vault.app.inject({
      method: 'POST',
      url: byPost.submitPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'v.name=Ada',
    });
    expect(posted.statusCode).toBe(303);
    expect((await reveal(vault, byPost.requestId)).json().values).toEqual({ name: 'Ada' });
  });

  it('a form post or a bodiless cancel that asks for JSON (Accept) is answered in JSON', async () => {
    const form = cardForm({
      form: { id: 'named', title: 'Named', fields: [{ id: 'name', label: 'Name', type: 'text', required: true }] },
    });
    const { submitPath, cancelPath } = await createAndOpen(vault, form);
    const asks = { accept: 'application/json' };
    const invalid = await vault.app.inject({
      method: 'POST',
      url: submitPath,
      headers: { ...asks, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'v.name=',
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error).toMatchObject({ code: 'invalid_fields', fields: { name: expect.any(String) } });
    const cancelled = await vault.app.inject({ method: 'POST', url: cancelPath, headers: asks });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toEqual({ status: 'cancelled' });
    const dead = await vault.app.inject({ method: 'POST', url: cancelPath, headers: asks });
    expect(dead.statusCode).toBe(404);
    expect(dead.json().error.code).toBe('not_found');
  });

  it('a submit that is neither a form post nor JSON: 400 in the shape asked for, and an all-optional form is not submitted empty', async () => {
    const optional = cardForm({
      form: { id: 'note', title: 'Note', fields: [{ id: 'note', label: 'Note', type: 'text', required: false }] },
    });
    const { requestId, submitPath } = await createAndOpen(vault, optional);
    for (const headers of [
      { 'content-type': 'text/plain', accept: 'application/json' },
      { 'content-type': 'text/plain; charset=utf-8', accept: 'text/html' },
      { accept: 'application/json' },
      { 'content-type': 'multipart/form-data; boundary=x', accept: 'application/json' },
    ]) {
      const response = await vault.app.inject({ method: 'POST', url: submitPath, headers, payload: 'v.note=hello' });
      expect(response.statusCode).toBe(400);
      if (headers.accept === 'application/json')
        expect(response.json().error.message).toMatch(
          /^Send the values as a form post \(application\/x-www-form-urlencoded\) or as JSON \(this request had (Content-Type (text\/plain|multipart\/form-data)|no Content-Type)\)\.$/,
        );
      else expect(response.headers['content-type']).toMatch(/^text\/html/);
    }
    // A form post naming the field without the pages' "v." would read as nothing: refused, not submitted empty.
    for (const payload of ['note=hello', 'v.note=a&v.note=b', 'v.note=hello&action=submit&action=submit']) {
      const response = await vault.app.inject({
        method: 'POST',
        url: submitPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toMatch(
        /^(The form sent an entry this page does not have|A form value was sent more than once)/,
      );
    }
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('opened');
    expect((await vault.call('POST', submitPath, { values: { note: 'hello' } }, null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ note: 'hello' });
  });

  it("a cancel with a body that is not the page's post or {}: 400, and the link still cancels", async () => {
    const { requestId, cancelPath } = await createAndOpen(vault, cardForm());
    const asJson = { 'content-type': 'application/json', accept: 'application/json' };
    const asForm = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    for (const [headers, payload, why] of [
      [
        { 'content-type': 'text/plain', accept: 'application/json' },
        'cancel',
        'this request had Content-Type text/plain',
      ],
      [asJson, '[]', 'this JSON is not {}'],
      [asJson, '"cancel"', 'this JSON is not {}'],
      [asJson, '{"values":{"pan":"4111111111111111"}}', 'this JSON is not {}'],
      [asForm, 'action=cancel&v.pan=4111111111111111', 'this form post carries values'],
    ] as const) {
      const response = await vault.app.inject({ method: 'POST', url: cancelPath, headers, payload });
      expect({ status: response.statusCode, error: response.json().error }).toEqual({
        status: 400,
        error: { code: 'bad_request', message: `A cancel takes no body, the page's form post or {} as JSON (${why}).` },
      });
    }
    const unknown = await vault.app.inject({ method: 'POST', url: cancelPath, headers: asForm, payload: 'pan=4111' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).not.toContain('4111');
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json().status).toBe('opened');
    const byPage = await vault.app.inject({
      method: 'POST',
      url: cancelPath,
      headers: asForm,
      payload: 'action=cancel',
    });
    expect(byPage.json()).toEqual({ status: 'cancelled' });
    const other = await createAndOpen(vault, cardForm());
    const byJson = await vault.app.inject({ method: 'POST', url: other.cancelPath, headers: asJson, payload: '{}' });
    expect(byJson.json()).toEqual({ status: 'cancelled' });
  });

  it('a compressed body: 400 naming the encoding, on the API and the visitor submit, and nothing is used up', async () => {
    const { gzipSync } = await import('node:zlib');
    const create = await vault.call('POST', '/v1/requests', gzipSync(JSON.stringify(idvRequest())), undefined, {
      'content-encoding': 'gzip',
    });
    expect(create.statusCode).toBe(400);
    expect(create.json().error).toEqual({
      code: 'bad_request',
      message: 'Send the body uncompressed, without Content-Encoding (this request had gzip).',
    });
    expect(await requestCount()).toBe(0);

    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    const submit = await vault.call('POST', submitPath, gzipSync('{"values":{"2":"1","4":"2"}}'), null, {
      'content-encoding': 'br, <script>',
      accept: 'application/json',
    });
    expect(submit.statusCode).toBe(400);
    expect(submit.json().error.message).toBe(
      'Send the body uncompressed, without Content-Encoding (this request had br, script).',
    );
    // The header alone, on a request without a body, changes nothing.
    const bodiless = await vault.call('GET', `/v1/requests/${requestId}`, undefined, undefined, {
      'content-encoding': 'gzip',
    });
    expect(bodiless.statusCode).toBe(200);
    const identity = await vault.call('POST', submitPath, { values: { 2: '1', 4: '2' } }, null, {
      'content-encoding': 'Identity',
    });
    expect(identity.statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '1', 4: '2' });
  });

  it('more values than any form has: 400 from the page and as JSON, before any is read, and the link stays usable', async () => {
    const { requestId, submitPath } = await createAndOpen(vault, idvRequest());
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [String(i + 1), 'x']));
    const page = await vault.app.inject({
      method: 'POST',
      url: submitPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(Object.entries(many).map(([id, value]) => [`v.${id}`, value])).toString(),
    });
    const json = await vault.call('POST', submitPath, { values: many }, null);
    for (const response of [page, json]) expect(response.statusCode).toBe(400);
    expect(json.json().error.message).toBe('There can be at most 100 values.');
    expect((await vault.call('POST', submitPath, { values: { 2: '1', 4: '2' } }, null)).statusCode).toBe(200);
    expect((await reveal(vault, requestId)).json().values).toEqual({ 2: '1', 4: '2' });
  });

  it('SQL-ish and HTML-ish labels are stored as text and rendered escaped', async () => {
    const nasty = `<script>alert("x")</script>'; DROP TABLE records; --`;
    const body = cardForm({
      form: {
        id: 'nasty',
        title: nasty,
        fields: [
          { id: 'a', label: nasty, type: 'text', required: true, hint: nasty },
          { id: 'b', label: 'Pick', type: 'select', options: [{ value: '"><img src=x>', label: nasty }] },
        ],
      },
    });
    const created = (await vault.call('POST', '/v1/requests', body)).json();
    const page = await openPage(vault, created.visitorUrl);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('"><img');
    expect(page.body).toContain('&lt;script&gt;alert');
    const submitPath = /action="([^"]+\/submit)"/.exec(page.body)![1];
    const value = `Robert'); DROP TABLE records;-- <b>bold</b> "quoted" \u{1F600}`;
    const submitted = await vault.app.inject({
      method: 'POST',
      url: submitPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ 'v.a': value, 'v.b': '"><img src=x>' }).toString(),
    });
    expect(submitted.statusCode).toBe(303);
    expect((await reveal(vault, created.requestId)).json().values).toEqual({ a: value, b: '"><img src=x>' });
    expect(await vault.app.vault.storage.listSites()).toHaveLength(1);
  });

  it('server-side validation mirrors the page: every rule refuses its garbage with a message per field', async () => {
    const { submitPath } = await createAndOpen(
      vault,
      cardForm({
        form: {
          id: 'all',
          title: 'All',
          fields: [
            { id: 'pan', label: 'Card number', type: 'card_number', required: true },
            { id: 'exp', label: 'Expiry', type: 'expiry', required: true },
            { id: 'cvv', label: 'CVV', type: 'cvv', required: true },
            { id: 'ssn', label: 'SSN', type: 'ssn', required: true },
            { id: 'email', label: 'Email', type: 'email', required: true },
            { id: 'date', label: 'Date', type: 'date', required: true },
            { id: 'num', label: 'Number', type: 'number', required: true },
            { id: 'pick', label: 'Pick', type: 'select', required: true, options: ['a', 'b'] },
            {
              id: 'code',
              label: 'Code',
              type: 'text',
              required: true,
              pattern: '[A-Z]{3}',
              minLength: 3,
              maxLength: 3,
            },
          ],
        },
      }),
    );
    const bad = {
      pan: '4111111111111112',
      exp: '01/20',
      cvv: '12',
      ssn: '000-12-3456',
      email: 'not-an-email',
      date: '2023-02-30',
      num: '12a',
      pick: 'c',
      code: 'abcd',
    };
    const response = await vault.call('POST', submitPath, { values: bad }, null);
    expect(response.statusCode).toBe(422);
    const fields = response.json().error.fields;
    expect(Object.keys(fields).sort()).toEqual(Object.keys(bad).sort());
    for (const message of Object.values(fields)) expect(typeof message).toBe('string');
    const good = {
      pan: '4111 1111 1111 1111',
      exp: futureExpiry(),
      cvv: '123',
      ssn: '123-45-6789',
      email: 'a@b.example',
      date: '2024-02-29',
      num: '-12.5',
      pick: 'b',
      code: 'ABC',
    };
    expect((await vault.call('POST', submitPath, { values: good }, null)).statusCode).toBe(200);
  });
});

describe('rate limits', () => {
  it('a link answers 429 past its limit, with a page for browsers, and holds back no other link', async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '3' }) });
    try {
      const statuses: number[] = [];
      const responses = [];
      for (let i = 0; i < 5; i += 1) {
        const response = await vault.call('GET', `/f/${'a'.repeat(43)}`, undefined, null);
        statuses.push(response.statusCode);
        responses.push(response);
      }
      expect(statuses).toEqual([404, 404, 404, 429, 429]);
      expect(responses[4].headers['content-type']).toMatch(/text\/html/);
      // Within the limit nothing tells a scanner how many tries are left; a refusal says when to come back.
      expect(Object.keys(responses[0].headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
      expect(responses[3].headers['retry-after']).toMatch(/^\d+$/);
      // Each route counts its own (docs/vault-api.md): the same IP may still open a link.
      expect((await vault.call('POST', `/f/${'a'.repeat(43)}`, undefined, null)).statusCode).toBe(404);
      // Visitors behind one address (a carrier's CGNAT) each have their own link: not held back.
      expect((await vault.call('GET', `/f/${'b'.repeat(43)}`, undefined, null)).statusCode).toBe(404);
      // A refusal says when to come back, not which limit was hit nor how large it is.
      expect(Object.keys(responses[4].headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    } finally {
      await vault.close();
    }
  });

  it('a HEAD spends the budget of the GET it stands for, per link and per address', async () => {
    const vault = await startTestVault({
      config: testConfig({ VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '3', VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '5' }),
    });
    try {
      const link = `/f/${'h'.repeat(43)}`;
      const statuses = [];
      for (const method of ['GET', 'HEAD', 'GET', 'HEAD'])
        statuses.push((await vault.call(method, link, undefined, null)).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429]);
      const other = `/f/${'j'.repeat(43)}`;
      expect((await vault.call('HEAD', other, undefined, null)).statusCode).toBe(404);
      expect((await vault.call('GET', other, undefined, null)).statusCode).toBe(429);
    } finally {
      await vault.close();
    }
  });

  it('a visitor page asked with the wrong method, or no page, answers a browser in HTML', async () => {
    const vault = await startTestVault();
    try {
      for (const [method, url, status] of [
        ['POST', '/done/submitted', 405],
        ['GET', '/done/', 404],
        ['GET', '/done', 404],
      ] as const) {
        const response = await vault.app.inject({
          method,
          url,
          headers: { 'content-type': 'text/plain' },
          payload: 'x',
        });
        expect([url, response.statusCode, response.headers['content-type']]).toEqual([
          url,
          status,
          expect.stringMatching(/^text\/html/),
        ]);
      }
    } finally {
      await vault.close();
    }
  });

  it("a flood of made-up links does not wipe a used-up link's count", async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_RATE_LIMIT_VISITOR_PER_MINUTE: '2' }) });
    try {
      const link = `/f/${'k'.repeat(43)}`;
      for (let i = 0; i < 3; i += 1) await vault.app.inject({ method: 'GET', url: link });
      expect((await vault.app.inject({ method: 'GET', url: link })).statusCode).toBe(429);
      // More made-up links than the rate-limit plugin's default store keeps (5,000).
      for (let i = 0; i < 6000; i += 1)
        await vault.app.inject({ method: 'GET', url: `/f/${String(i).padStart(43, 'm')}` });
      expect((await vault.app.inject({ method: 'GET', url: link })).statusCode).toBe(429);
    } finally {
      await vault.close();
    }
  });

  it('one address trying many links answers 429 past the per-IP limit, on every visitor route', async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_RATE_LIMIT_VISITOR_IP_PER_MINUTE: '3' }) });
    try {
      const link = (i: number) => `/f/${String(i).padStart(43, 'c')}`;
      const sprays: Array<[string, (i: number) => string]> = [
        ['GET', link],
        ['POST', link],
        ['POST', (i) => `${link(i)}/submit`],
        ['POST', (i) => `${link(i)}/cancel`],
        ['GET', () => '/done/submitted'],
      ];
      const seen: Record<string, Array<number | 'answered'>> = {};
      for (const [method, path] of sprays) {
        const responses = [];
        for (let i = 0; i < 4; i += 1) responses.push(await vault.call(method, path(i), undefined, null));
        seen[`${method} ${path(0)}`] = responses.map(({ statusCode }) => (statusCode === 429 ? 429 : 'answered'));
        expect(responses[3].headers['retry-after']).toMatch(/^\d+$/);
        expect(responses[3].headers['content-type']).toMatch(/text\/html/);
      }
      for (const statuses of Object.values(seen)) expect(statuses).toEqual(['answered', 'answered', 'answered', 429]);
      expect(Object.keys(seen)).toHaveLength(sprays.length);
    } finally {
      await vault.close();
    }
  });

  it('the OTK routes are limited per site', async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_RATE_LIMIT_OTK_PER_MINUTE: '2' }) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1)
        statuses.push((await vault.call('POST', '/v1/detokenize', { otk: 'x', agentId: 'a' })).statusCode);
      expect(statuses).toEqual([403, 403, 429]);
      const other = await vault.addSite('site-b');
      expect((await vault.call('POST', '/v1/detokenize', { otk: 'x', agentId: 'a' }, other.apiKey)).statusCode).toBe(
        403,
      );
    } finally {
      await vault.close();
    }
  });
});
