/**
 * The doorbell calls a URL an API caller chose; a hostile or broken endpoint must not hold the
 * vault's sockets or memory: one delivery attempt has a total deadline (not only an idle one), the
 * connections to one endpoint are capped, and an answer's body is read only up to a small cap.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createJsonPoster } from '../src/service/post-json';

jest.setTimeout(20_000);

async function serve(
  handler: http.RequestListener,
): Promise<{ url: string; server: http.Server; sockets: Set<Socket> }> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server, sockets };
}

async function stop(server: http.Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('the doorbell poster', () => {
  it('gives up at the total deadline on an endpoint that trickles its answer forever', async () => {
    const { url, server, sockets } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const poster = createJsonPoster();
    try {
      const started = Date.now();
      await expect(poster.post(url, { requestId: 'r', event: 'opened' }, 500)).rejects.toThrow(/timed out/);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      poster.close();
      await stop(server, sockets);
    }
  });

  it('stops reading an answer body past the cap', async () => {
    let written = 0;
    const { url, server, sockets } = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (written < 50 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => (written = Math.max(written, 0)));
      pump();
    });
    const poster = createJsonPoster();
    try {
      await expect(poster.post(url, { requestId: 'r', event: 'opened' }, 10_000)).rejects.toThrow(/too large/);
      expect(written).toBeLessThan(50 * 1024 * 1024);
    } finally {
      poster.close();
      await stop(server, sockets);
    }
  });

  it('opens at most maxSockets connections to one endpoint however many deliveries wait', async () => {
    let peak = 0;
    const { url, server, sockets } = await serve((req, res) => {
      peak = Math.max(peak, sockets.size);
      setTimeout(() => res.writeHead(204).end(), 100);
    });
    const poster = createJsonPoster({ maxSockets: 3 });
    try {
      const statuses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => poster.post(url, { requestId: `r${i}`, event: 'opened' }, 5000)),
      );
      expect(statuses.every((status) => status === 204)).toBe(true);
      expect(peak).toBeLessThanOrEqual(3);
    } finally {
      poster.close();
      await stop(server, sockets);
    }
  });
});
