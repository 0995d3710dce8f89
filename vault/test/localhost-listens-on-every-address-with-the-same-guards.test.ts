/**
 * VAULT_HOST=localhost: the vault listens on every address localhost resolves to (127.0.0.1 and ::1
 * on most machines), and its second listener answers as its first. Fastify's own second binding
 * answered CONNECT by closing the connection, sent Node's bare answers without the security
 * headers, and held every answer of a pipelining flood.
 */
import dnsPromises from 'node:dns/promises';
import net from 'node:net';
import { MAX_PIPELINED } from '../src/http/pipelining';
import { listenOnEvery } from '../src/http/listeners';
import { startTestVault, type TestVault } from './helpers/vault';

/** What most machines' hosts files give; this machine's maps localhost to 127.0.0.1 alone. */
const BOTH = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

describe('a vault listening on localhost', () => {
  let vault: TestVault;
  let port: number;

  beforeAll(async () => {
    jest.spyOn(dnsPromises, 'lookup').mockResolvedValue(BOTH as never);
    vault = await startTestVault();
    await listenOnEvery(vault.app, 'localhost', 0);
    port = (vault.app.server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await vault.close();
    jest.restoreAllMocks();
  });

  it('answers on 127.0.0.1 and on ::1, on the same port', async () => {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://[::1]:${port}/healthz`)).status).toBe(200);
  });

  it('answers CONNECT on ::1 in our shape, with the security headers', async () => {
    const raw = await rawExchange('::1', port, 'CONNECT canary.example:443 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/\r\ncontent-security-policy: default-src 'none'/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');
  });

  it('answers a malformed request on ::1 with the security headers', async () => {
    const raw = await rawExchange('::1', port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/\r\ncache-control: no-store/i);
  });

  it(`cuts a connection on ::1 with more than ${MAX_PIPELINED} answers waiting`, async () => {
    const socket = net.connect(port, '::1');
    socket.pause();
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET / HTTP/1.1\r\nHost: vault.test\r\n\r\n'.repeat(5_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.resume();
    await closed;
    expect(vault.logs.text).toMatch(/connection cut: too many pipelined requests/);
  });

  it('stops listening on both addresses when it closes', async () => {
    const another = await startTestVault();
    await listenOnEvery(another.app, 'localhost', 0);
    const itsPort = (another.app.server.address() as net.AddressInfo).port;
    await another.close();
    await expect(fetch(`http://127.0.0.1:${itsPort}/healthz`)).rejects.toThrow();
    await expect(fetch(`http://[::1]:${itsPort}/healthz`)).rejects.toThrow();
  });
});

describe('closing a vault that listens on localhost', () => {
  beforeAll(() => jest.spyOn(dnsPromises, 'lookup').mockResolvedValue(BOTH as never));
  afterAll(() => jest.restoreAllMocks());

  it('lets a request in flight on ::1 finish before its storage closes, its kept-alive connection not holding the close', async () => {
    let arrived = (): void => undefined;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const vault = await startTestVault({
      beforeRoutes: async (app) => {
        // A request still working when the close begins, then reading the database.
        app.get('/slow', async () => {
          arrived();
          await new Promise((resolve) => setTimeout(resolve, 300));
          return { read: (await app.vault.storage.getRequest('00000000-0000-4000-8000-000000000000')) ?? null };
        });
      },
    });
    await listenOnEvery(vault.app, 'localhost', 0);
    const itsPort = (vault.app.server.address() as net.AddressInfo).port;
    const answer = fetch(`http://[::1]:${itsPort}/slow`);
    await inFlight;
    await vault.close();
    const response = await answer;
    expect([response.status, await response.json()]).toEqual([200, { read: null }]);
  });
});

function rawExchange(host: string, port: number, request: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, host, () => socket.write(request));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}
