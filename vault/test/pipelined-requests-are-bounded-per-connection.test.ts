/**
 * HTTP/1.1 pipelining: a client that keeps a few requests in flight gets every answer in order,
 * and one that sends thousands in a row without reading the answers has its connection cut, where
 * Node would hold every answer in memory until the vault ran out of it.
 */
import net from 'node:net';
import { MAX_PIPELINED } from '../src/http/pipelining';
import { useListeningTestVault, type TestVault } from './helpers/vault';

describe('pipelined requests on one connection', () => {
  let vault: TestVault;
  let port: number;

  useListeningTestVault((started, listening) => {
    vault = started;
    port = listening;
  });

  const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: vault.test\r\n\r\n`;

  it(`answers ${MAX_PIPELINED} sent at once, in order, and keeps the connection`, async () => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.write(Array.from({ length: MAX_PIPELINED }, (_, i) => request(i % 2 ? '/healthz' : '/nowhere')).join(''));
    // Answers follow one another on the wire, each body straight before the next status line.
    await waitUntil(() => (text.match(/HTTP\/1\.1 \d{3} /g) ?? []).length === MAX_PIPELINED);
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(
      Array.from({ length: MAX_PIPELINED }, (_, i) => (i % 2 ? 'HTTP/1.1 200' : 'HTTP/1.1 404')),
    );
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('cuts a connection that sends thousands and reads none of the answers, and goes on serving', async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(request('/').repeat(20_000));
    await waitUntil(() => /connection cut: too many pipelined requests/.test(vault.logs.text));
    // Reading again, the client learns its connection is gone.
    socket.resume();
    await closed;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
