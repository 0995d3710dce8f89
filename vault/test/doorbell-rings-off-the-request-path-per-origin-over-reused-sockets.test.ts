/**
 * The doorbell's cost stays off the request path and its sockets are reused: `ring()` only notes
 * the event (the POST is made after the caller's turn), deliveries are grouped per callback origin
 * with a few under way at once over kept-alive connections, an origin that hangs holds up no
 * other, and the same event rung twice while it waits is sent once.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { VaultMetrics } from '../src/http/metrics';
import { Doorbell, MAX_WAITING_PER_ORIGIN } from '../src/service/doorbell';

interface Receiver {
  url: string;
  bodies: { requestId: string; event: string }[];
  connections: number;
  close(): Promise<void>;
}

async function receiver(answer: (res: http.ServerResponse) => void = (res) => res.writeHead(204).end()) {
  const sockets = new Set<Socket>();
  const state: Omit<Receiver, 'url' | 'close'> = { bodies: [], connections: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      state.bodies.push(JSON.parse(raw));
      answer(res);
    });
  });
  server.on('connection', (socket) => {
    state.connections += 1;
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/apps/public/app/vault-events`;
  return Object.assign(state, {
    url,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as Receiver;
}

function doorbell(perOriginConcurrency?: number, timeoutMs = 2000): Doorbell {
  return new Doorbell({ retryDelaysMs: [], timeoutMs, perOriginConcurrency, log: () => undefined });
}

const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

describe('the doorbell rings off the request path, per origin, over reused sockets', () => {
  it('makes no request on the caller’s turn: the POST starts after it', async () => {
    const app = await receiver();
    const bell = doorbell();
    const request = jest.spyOn(http, 'request');
    try {
      bell.ring(app.url, ids(1)[0], 'submitted');
      expect(request).not.toHaveBeenCalled();
      await new Promise((resolve) => setImmediate(resolve));
      expect(request).toHaveBeenCalledTimes(1);
      await bell.drain();
      expect(app.bodies).toEqual([{ requestId: ids(1)[0], event: 'submitted' }]);
    } finally {
      request.mockRestore();
      bell.close();
      await app.close();
    }
  });

  it('delivers 30 submits rung at once to one origin over one kept-alive socket when one at a time is allowed', async () => {
    const app = await receiver();
    const bell = doorbell(1);
    try {
      for (const id of ids(30)) bell.ring(app.url, id, 'submitted');
      await bell.drain();
      expect(app.bodies.map((b) => b.requestId)).toEqual(ids(30));
      expect(app.connections).toBe(1);
      // Later submits to the same origin reuse it too.
      for (const id of ids(5)) bell.ring(app.url, id, 'opened');
      await bell.drain();
      expect(app.bodies).toHaveLength(35);
      expect(app.connections).toBe(1);
    } finally {
      bell.close();
      await app.close();
    }
  });

  it('opens at most perOriginConcurrency sockets (4 by default) for a burst of 50 to one origin', async () => {
    const app = await receiver((res) => setTimeout(() => res.writeHead(204).end(), 5));
    const bell = doorbell();
    try {
      for (const id of ids(50)) bell.ring(app.url, id, 'submitted');
      await bell.drain();
      expect(new Set(app.bodies.map((b) => b.requestId)).size).toBe(50);
      expect(app.connections).toBeGreaterThanOrEqual(1);
      expect(app.connections).toBeLessThanOrEqual(4);
    } finally {
      bell.close();
      await app.close();
    }
  });

  it('sends the same event of the same request once when it is rung again before it went out', async () => {
    const app = await receiver();
    const bell = doorbell();
    try {
      const [id] = ids(1);
      bell.ring(app.url, id, 'opened');
      bell.ring(app.url, id, 'opened');
      bell.ring(app.url, id, 'submitted');
      await bell.drain();
      expect(app.bodies).toEqual([
        { requestId: id, event: 'opened' },
        { requestId: id, event: 'submitted' },
      ]);
    } finally {
      bell.close();
      await app.close();
    }
  });

  it('an origin that does not answer holds up no other origin', async () => {
    // The hung origin's answers wait until the test lets them go: no deadline to race on a busy box.
    const held: http.ServerResponse[] = [];
    let answering = false;
    const hung = await receiver((res) => (answering ? res.writeHead(204).end() : held.push(res)));
    const app = await receiver();
    const bell = doorbell(1, 30_000);
    try {
      for (const id of ids(3)) bell.ring(hung.url, id, 'submitted');
      for (const id of ids(3)) bell.ring(app.url, id, 'submitted');
      // Queued behind the hung origin, the app's three would wait for its three 30 s attempts.
      const started = Date.now();
      while (app.bodies.length < 3 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 10));
      expect(app.bodies).toHaveLength(3);
      // One at a time per origin: the hung origin holds its first delivery, the other two wait.
      expect(held.length).toBeLessThanOrEqual(1);
      answering = true;
      for (const res of held.splice(0)) res.writeHead(204).end();
      await bell.drain();
      expect(hung.bodies).toHaveLength(3);
    } finally {
      bell.close();
      await hung.close();
      await app.close();
    }
  });

  it('shows its backlog in the metrics until each delivery is delivered or given up', async () => {
    const hung = await receiver(() => undefined);
    const app = await receiver();
    const bell = doorbell(1, 60_000);
    const metrics = new VaultMetrics(
      async () => 0,
      undefined,
      () => bell.backlog,
    );
    const backlog = async () => /^vault_doorbell_backlog (\d+)$/m.exec(await metrics.registry.metrics())?.[1];
    try {
      expect(await backlog()).toBe('0');
      for (const id of ids(3)) bell.ring(hung.url, id, 'submitted');
      for (const id of ids(2)) bell.ring(app.url, id, 'submitted');
      expect(await backlog()).toBe('5');
      const started = Date.now();
      // A body the app has read is delivered only once its answer is back at the doorbell: wait for both.
      while ((app.bodies.length < 2 || hung.bodies.length < 1 || bell.backlog > 3) && Date.now() - started < 10_000)
        await new Promise((r) => setTimeout(r, 5));
      // The app's two are delivered; the hung origin's first is under way and two wait behind it.
      expect(await backlog()).toBe('3');
      await hung.close();
      await bell.drain();
      expect(await backlog()).toBe('0');
    } finally {
      bell.close();
      await hung.close();
      await app.close();
    }
  });

  it('gives up the oldest waiting delivery, and says so, once an origin has too many waiting', async () => {
    const hung = await receiver(() => undefined);
    const logged: string[] = [];
    const outcomes: string[] = [];
    const bell = new Doorbell({
      retryDelaysMs: [],
      timeoutMs: 60_000,
      perOriginConcurrency: 1,
      log: (_level, message) => logged.push(message),
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    try {
      // One under way (hung), MAX_WAITING_PER_ORIGIN waiting, and 3 more: the 3 oldest waiting go.
      const rung = MAX_WAITING_PER_ORIGIN + 4;
      for (let i = 0; i < rung; i += 1) {
        bell.ring(hung.url, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 'submitted');
        if (i === 0) await new Promise((resolve) => setImmediate(resolve)); // the first one leaves the queue
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged.filter((m) => /too many waiting/.test(m))).toHaveLength(3);
      expect(outcomes).toEqual(['gave_up', 'gave_up', 'gave_up']);
    } finally {
      bell.close();
      await hung.close();
    }
  });
});
