import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
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

describe('a vault asked to stop while a connection is busy', () => {
  it('finishes the request under way, then answers the next one on that connection with its own 503 and closes', async () => {
    const vault = await startTestVault();
    await vault.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (vault.app.server.address() as net.AddressInfo).port;
    const body = JSON.stringify(idvRequest());
    const socket = net.connect(port, '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    // The create's headers and half its body arrive before the stop; the rest, and a second request, after.
    socket.write(
      `POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${vault.site.apiKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`,
    );
    await sleep(100);
    const closed = vault.close();
    await sleep(100);
    socket.write(`${body.slice(20)}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    await Promise.all([ended, closed]);

    const [created, refused] = answers(raw);
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
});
