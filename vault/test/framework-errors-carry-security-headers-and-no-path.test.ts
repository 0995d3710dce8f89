import net from 'node:net';
import { clientErrorHandler } from '../src/http/framework-errors';
import { startTestVault, testConfig, useListeningTestVault, type TestVault } from './helpers/vault';

/** Writes to a raw connection as `send` does and gives back all the server answered before it closed. */
function rawExchange(port: number, send: (socket: net.Socket) => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => send(socket));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

/** Splits a raw answer into its status line, its headers by lowercase name, and its body. */
function parseAnswer(raw: string): { status: string; headers: Record<string, string>; body: string } {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [status, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status, headers, body: rest.join('\r\n\r\n') };
}

/** Answers Fastify and Node make before a route runs still carry the headers, and never quote the URL. */
describe("the framework's own error answers", () => {
  let vault: TestVault;
  let port: number;

  useListeningTestVault((started, listening) => {
    vault = started;
    port = listening;
  });

  const expectSecurityHeaders = (headers: Record<string, unknown>) => {
    expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['cache-control']).toBe('no-store');
  };

  it('a URL that does not decode (400) gets the headers and no echo of the path', async () => {
    const response = await vault.call('GET', '/f/CANARYOTKVALUE%zz', undefined, null, { accept: 'application/json' });
    expect(response.statusCode).toBe(400);
    expectSecurityHeaders(response.headers);
    expect(response.body).not.toContain('CANARYOTKVALUE');
    expect(response.json().error.code).toBe('bad_request');
  });

  it("such a link opened in a browser gets the dead link's page, the visitor's or the agent's", async () => {
    for (const [url, says] of [
      ['/f/CANARYOTKVALUE%ff', 'This link is no longer valid'],
      ['/v/CANARYOTKVALUE%ff', 'This viewer link cannot be used'],
    ]) {
      const response = await vault.call('GET', url, undefined, null, { 'accept-language': 'en' });
      expect([url, response.statusCode, response.headers['content-type']]).toEqual([
        url,
        400,
        'text/html; charset=utf-8',
      ]);
      expect(response.body).toContain(says);
      expect(response.body).not.toContain('CANARYOTKVALUE');
      expectSecurityHeaders(response.headers);
    }
  });

  it('a path parameter over the length limit (414) gets the headers and no echo of the path', async () => {
    // The limit is a room id's worst case percent-encoded (128 × 12); a junk link under it is a dead link.
    const response = await vault.call('GET', `/f/CANARYOTKVALUE${'A'.repeat(4000)}`, undefined, null);
    expect(response.statusCode).toBe(414);
    expectSecurityHeaders(response.headers);
    expect(response.body).not.toContain('CANARYOTKVALUE');
  });

  it('an answer before the body was read is the only one: the connection closes, no 408 follows', async () => {
    const started = Date.now();
    const raw = await rawExchange(port, (socket) =>
      socket.write(
        'POST /v1/sessions/close HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}',
      ),
    );
    expect(raw.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 401']);
    expect(parseAnswer(raw).headers.connection).toBe('close');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers without a body to read keep the connection: two asset requests, one socket', async () => {
    const raw = await rawExchange(port, (socket) => {
      socket.write('GET /assets/visitor.css HTTP/1.1\r\nHost: x\r\n\r\n');
      socket.write('GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n');
      setTimeout(() => socket.end(), 300);
    });
    expect(raw.match(/^HTTP\/1\.1 \d+/gm)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 404']);
    expect(raw.toLowerCase()).not.toContain('connection: close');
  });

  it('an HTTP/1.1 request without Host gets our 400 with the headers; HTTP/1.0 needs none', async () => {
    const answer = parseAnswer(await rawExchange(port, (socket) => socket.end('GET /healthz HTTP/1.1\r\n\r\n')));
    expect(answer.status).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body).toContain('"code":"bad_request"');
    expect(answer.body).toContain('no Host header');
    expectSecurityHeaders(answer.headers);
    const old = parseAnswer(await rawExchange(port, (socket) => socket.end('GET /healthz HTTP/1.0\r\n\r\n')));
    expect(old.status).toBe('HTTP/1.1 200 OK');
  });

  it('a body with two Content-Types is refused, whichever comes first: Node would read only the first', async () => {
    for (const [first, second] of [
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
    ]) {
      const raw = await rawExchange(port, (socket) =>
        socket.end(
          `POST /v1/sessions/close HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: ${first}\r\nContent-Type: ${second}\r\nContent-Length: 2\r\n\r\n{}`,
        ),
      );
      const answer = parseAnswer(raw);
      expect([first, answer.status]).toEqual([first, 'HTTP/1.1 400 Bad Request']);
      expect(answer.body).toContain('more than one Content-Type');
      expectSecurityHeaders(answer.headers);
    }
  });

  it.each([
    ['two Host headers', 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 'more than one Host'],
    [
      'Transfer-Encoding identity, then chunked',
      'POST /v1/sessions/close HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      'Transfer-Encoding may only be chunked',
    ],
    [
      'Transfer-Encoding gzip, with bytes Node cannot read after it',
      'POST /f/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/cancel HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\nabc',
      'Transfer-Encoding may only be chunked',
    ],
    ['a request line without a version', 'GET /healthz\r\n\r\n', 'HTTP/1.0 and HTTP/1.1 only'],
  ])('%s: refused with our 400 before any route, as a proxy in front may read it otherwise', async (_, sent, says) => {
    // The client closes its side a moment later: Node then reads the rest to its end.
    const raw = await rawExchange(port, (socket) => {
      socket.write(sent);
      setTimeout(() => socket.destroyed || socket.end(), 300);
    });
    // One answer: what follows a refused request is not read as another one.
    expect(raw.match(/^HTTP\/1\.1 /gm)).toHaveLength(1);
    const answer = parseAnswer(raw);
    expect(answer.status).toBe('HTTP/1.1 400 Bad Request');
    expect(answer.body).toContain(says);
    expectSecurityHeaders(answer.headers);
  });

  it('one chunked Transfer-Encoding still carries a body', async () => {
    const raw = await rawExchange(port, (socket) =>
      socket.end(
        `POST /v1/sessions/close HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${vault.site.apiKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n13\r\n{"roomId":"room-t"}\r\n0\r\n\r\n`,
      ),
    );
    expect(parseAnswer(raw).status).toBe('HTTP/1.1 204 No Content');
  });

  it('bytes Node cannot parse after a request whose answer is on its way get no second answer', () => {
    const seen = jest.fn();
    const socket = (answering: boolean) =>
      ({
        destroyed: false,
        writable: true,
        _httpMessage: answering ? { _headerSent: true } : null,
        write: jest.fn(),
        end: jest.fn(),
        destroy: jest.fn(),
      }) as unknown as net.Socket & Record<'write' | 'end' | 'destroy', jest.Mock>;
    const handle = clientErrorHandler({ 'x-content-type-options': 'nosniff' }, seen);
    const behind = socket(true);
    handle(Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_EOF_STATE' }), behind);
    expect([behind.write.mock.calls.length, behind.end.mock.calls.length, seen.mock.calls.length]).toEqual([0, 1, 0]);
    const alone = socket(false);
    handle(Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_METHOD' }), alone);
    expect(alone.write.mock.calls[0][0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(seen).toHaveBeenCalledWith(400, 'bad_request');
  });

  it('a request Node cannot parse (400 from the socket) gets the headers too', async () => {
    const raw = await rawExchange(port, (socket) =>
      socket.write('GET /f/CANARYOTKVALUE HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
    );
    const answer = parseAnswer(raw);
    expect(answer.status).toMatch(/^HTTP\/1\.1 400 /);
    expectSecurityHeaders(answer.headers);
    expect(raw).not.toContain('CANARYOTKVALUE');
    expect(JSON.parse(answer.body).error.code).toBe('bad_request');
  });

  it('an Expect other than 100-continue gets 417 in our shape with the headers, where Node sent a bare 417', async () => {
    const raw = await rawExchange(port, (socket) =>
      socket.write(
        'POST /f/CANARYOTKVALUE/submit HTTP/1.1\r\nHost: x\r\nExpect: x-canary\r\nContent-Length: 2\r\n\r\n{}',
      ),
    );
    const answer = parseAnswer(raw);
    expect(answer.status).toMatch(/^HTTP\/1\.1 417 /);
    expectSecurityHeaders(answer.headers);
    expect(raw).not.toContain('CANARYOTKVALUE');
    expect(JSON.parse(answer.body).error).toEqual({
      code: 'bad_request',
      message: expect.stringContaining('100-continue'),
    });
  });

  it('Expect: 100-continue still gets its interim answer and then the route', async () => {
    const raw = await rawExchange(port, (socket) => {
      socket.write('POST /v1/requests HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nConnection: close\r\n');
      socket.write('Content-Type: application/json\r\nContent-Length: 2\r\n\r\n');
      socket.once('data', () => socket.write('{}'));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 401 /);
  });

  it('CONNECT gets 400 in our shape with the headers, where Node closed the connection without a word', async () => {
    const raw = await rawExchange(port, (socket) =>
      socket.write('CONNECT canary.example:443 HTTP/1.1\r\nHost: x\r\n\r\n'),
    );
    const answer = parseAnswer(raw);
    expect(answer.status).toMatch(/^HTTP\/1\.1 400 /);
    expectSecurityHeaders(answer.headers);
    expect(raw).not.toContain('canary.example');
    expect(JSON.parse(answer.body).error.code).toBe('bad_request');
  });

  it('the ops port answers the same way', async () => {
    await vault.app.ops.listen({ host: '127.0.0.1', port: 0 });
    const opsPort = (vault.app.ops.server.address() as net.AddressInfo).port;
    for (const request of [
      'GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: x-canary\r\n\r\n',
      'CONNECT canary.example:443 HTTP/1.1\r\nHost: x\r\n\r\n',
    ]) {
      const answer = parseAnswer(await rawExchange(opsPort, (socket) => socket.write(request)));
      expect(answer.status).toMatch(/^HTTP\/1\.1 4(00|17) /);
      expectSecurityHeaders(answer.headers);
      expect(JSON.parse(answer.body).error.code).toBe('bad_request');
    }
  });

  it('each answer written on the socket is logged and counted as route "unparsed", without the request', async () => {
    const counted = async (status: number): Promise<number> => {
      const text = (await vault.app.ops.inject({ method: 'GET', url: '/metrics' })).body;
      const line = new RegExp(
        `^vault_http_requests_total\\{[^}]*route="unparsed"[^}]*status="${status}"\\} (\\d+)$`,
        'm',
      );
      return Number(line.exec(text)?.[1] ?? 0);
    };
    const [before400, before417] = [await counted(400), await counted(417)];
    const logged = vault.logs.lines.length;
    await rawExchange(port, (socket) =>
      socket.write('GET /f/CANARYOTKVALUE HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
    );
    await rawExchange(port, (socket) => socket.write('CONNECT canary.example:443 HTTP/1.1\r\nHost: x\r\n\r\n'));
    await rawExchange(port, (socket) => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: x-canary\r\n\r\n'));
    expect(await counted(400)).toBe(before400 + 2);
    expect(await counted(417)).toBe(before417 + 1);
    const lines = vault.logs.lines.slice(logged).map((line) => JSON.parse(line) as Record<string, unknown>);
    const answered = lines.filter((line) => line.msg === 'answered on the socket');
    expect(answered.map((line) => line.statusCode)).toEqual([400, 400, 417]);
    expect(answered.every((line) => line.code === 'bad_request')).toBe(true);
    expect(vault.logs.text).not.toMatch(/CANARYOTKVALUE|canary\.example|x-canary/);
  });
});

describe('a client that sends its request too slowly', () => {
  it('gets 408 request_timeout once VAULT_REQUEST_TIMEOUT_SECONDS has passed, and its connection is closed', async () => {
    const vault = await startTestVault({ config: testConfig({ VAULT_REQUEST_TIMEOUT_SECONDS: '1' }) });
    try {
      await vault.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (vault.app.server.address() as net.AddressInfo).port;
      const started = Date.now();
      let drip: NodeJS.Timeout | undefined;
      const raw = await rawExchange(port, (socket) => {
        // A body promised at 60,000 bytes and sent a byte every 100 ms: it would take 100 minutes.
        socket.write(
          `POST /f/${'A'.repeat(43)}/submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n`,
        );
        drip = setInterval(() => socket.writable && socket.write('a'), 100);
      });
      clearInterval(drip);
      const [head, body] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 408 /);
      expect(JSON.parse(body).error.code).toBe('request_timeout');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(vault.logs.text).toMatch(/"statusCode":408,"code":"request_timeout","msg":"answered on the socket"/);
    } finally {
      await vault.close();
    }
  });

  it('has 30 seconds by default, where Fastify would have no bound at all', async () => {
    const vault = await startTestVault();
    try {
      expect(vault.app.server.requestTimeout).toBe(30_000);
      // Node enforces the request's bound only if the headers' is no longer.
      expect(vault.app.server.headersTimeout).toBe(30_000);
    } finally {
      await vault.close();
    }
  });
});
