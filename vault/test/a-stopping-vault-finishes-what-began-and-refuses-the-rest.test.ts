import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopServing } from '../src/http/stop-serving';
import { idvRequest, startTestVault } from './helpers/vault';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits what a keep-alive connection received into its answers (each with a Content-Length). */
function answers(raw: string): RawAnswer[] {
  const found: RawAnswer[] = [];
  let rest = raw;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    const lines = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(
      lines
        .slice(1)
        .map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length']);
    found.push({ status: Number(lines[0].split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return found;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** A test vault listening on a free port, and a raw keep-alive connection to it with what it received. */
async function listeningVaultAndConnection() {
  const vault = await startTestVault();
  await vault.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (vault.app.server.address() as net.AddressInfo).port;
  const socket = net.connect(port, '127.0.0.1');
  const received = { text: '' };
  socket.on('data', (chunk) => (received.text += chunk.toString('utf8')));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { vault, port, socket, received, ended };
}

/** A raw `POST /v1/requests` of `body` (ASCII JSON), with only its first `sent` characters. */
function createRequest(apiKey: string, body: string, sent = body.length): string {
  return (
    `POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, sent)}`
  );
}

describe('a vault asked to stop while a connection is busy', () => {
  it('finishes the request under way, then answers the next one on that connection with its own 503 and closes', async () => {
    const { vault, socket, received, ended } = await listeningVaultAndConnection();
    const body = JSON.stringify(idvRequest());

    // The create's headers and half its body arrive before the stop; the rest, and a second request, after.
    socket.write(createRequest(vault.site.apiKey, body, 20));
    await sleep(100);
    const closed = vault.close();
    await sleep(100);
    socket.write(`${body.slice(20)}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await Promise.all([ended, closed]);

    const [created, refused] = answers(received.text);
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body).requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toEqual({
      error: { code: 'unavailable', message: 'The vault is stopping; try again in a moment.' },
    });
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(refused.headers['cache-control']).toBe('no-store');
  });

  it('gives a connection idle at the stop a last call: its next request gets the 503 and the close, not a cut', async () => {
    const { vault, port, socket, received, ended } = await listeningVaultAndConnection();
    const body = JSON.stringify(idvRequest());
    const create = createRequest(vault.site.apiKey, body);
    socket.write(create);
    while (!/\r\n\r\n\{.*\}$/s.test(received.text)) await sleep(10);

    // Answered and idle, as a busy client's connection is between two requests, when the stop begins.
    const stopped = stopServing(vault.app);
    await sleep(100);
    expect(await refused(port)).toBe(true);
    socket.write(create);
    await Promise.all([ended, stopped]);

    const [created, refusal] = answers(received.text);
    expect(created.status).toBe(201);
    expect(refusal.status).toBe(503);
    expect(JSON.parse(refusal.body).error.code).toBe('unavailable');
    expect(refusal.headers['retry-after']).toBe('1');
    expect(refusal.headers.connection).toBe('close');
  });

  it('closes the connection after refusing a request without a body, so the last call ends with it', async () => {
    const { vault, socket, received, ended } = await listeningVaultAndConnection();
    const read = `GET /v1/requests/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${vault.site.apiKey}\r\n\r\n`;
    socket.write(read);
    while (!/\r\n\r\n\{.*\}$/s.test(received.text)) await sleep(10);

    const began = Date.now();
    const stopped = stopServing(vault.app, 5000);
    await sleep(50);
    socket.write(read);
    await Promise.all([ended, stopped]);
    const [missing, refusal] = answers(received.text);
    expect(missing.status).toBe(404);
    expect(refusal.status).toBe(503);
    expect(refusal.headers['retry-after']).toBe('1');
    expect(refusal.headers.connection).toBe('close');
    // Its only connection closed, the stop did not wait out the last call.
    expect(Date.now() - began).toBeLessThan(2500);
  });

  it('closes a connection left idle once the last call is over, and stops at once when none is open', async () => {
    const vault = await startTestVault();
    await vault.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = vault.app.server.address() as net.AddressInfo;
    const created = await fetch(`http://127.0.0.1:${port}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${vault.site.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(idvRequest()),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('connection')).toBe('keep-alive');
    const open = () => new Promise<number>((resolve) => vault.app.server.getConnections((_e, count) => resolve(count)));
    expect(await open()).toBe(1);
    const began = Date.now();
    await stopServing(vault.app, 300);
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(await open()).toBe(0);

    const alone = await startTestVault();
    await alone.app.listen({ host: '127.0.0.1', port: 0 });
    const quick = Date.now();
    await stopServing(alone.app, 5000);
    expect(Date.now() - quick).toBeLessThan(2500);
  });

  it('answers a request under way past the last call with Connection: close, so no next request meets a cut', async () => {
    const { vault, socket, received, ended } = await listeningVaultAndConnection();
    const body = JSON.stringify(idvRequest());
    socket.write(createRequest(vault.site.apiKey, body, 20));
    await sleep(100);
    const stopped = stopServing(vault.app, 100);
    await sleep(400);
    socket.write(body.slice(20));
    await Promise.all([ended, stopped]);
    const [created] = answers(received.text);
    expect(created.status).toBe(201);
    expect(created.headers.connection).toBe('close');
  });

  it('closes a connection that sent nothing, or only part of its headers, once the last call is over', async () => {
    const { vault, port, socket: silent, ended } = await listeningVaultAndConnection();
    const partial = net.connect(port, '127.0.0.1');
    const partialEnded = new Promise<void>((resolve) => partial.on('close', () => resolve()));
    partial.on('error', () => undefined);
    partial.write('POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthoriz');
    await sleep(100);
    const began = Date.now();
    await stopServing(vault.app, 200);
    await Promise.all([ended, partialEnded]);
    expect(silent.destroyed && partial.destroyed).toBe(true);
    // Not held until the request timeout: the stop took the last call and little more.
    expect(Date.now() - began).toBeLessThan(3000);
  });
});
