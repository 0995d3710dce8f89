import http from 'node:http';
import { Doorbell } from '../src/service/doorbell';
import { DoorbellReceiver } from './helpers/vault';

function doorbell(logs: string[], retryDelaysMs: number[] = [], timeoutMs = 1000): Doorbell {
  return new Doorbell({
    retryDelaysMs,
    timeoutMs,
    log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
  });
}

describe('doorbell delivery', () => {
  it('does not follow redirects: a 3xx is a failed delivery, retried', async () => {
    const receiver = new DoorbellReceiver();
    const base = await receiver.listen();
    receiver.answers = [302];
    const logs: string[] = [];
    const bell = doorbell(logs, [10]);
    try {
      bell.ring(`${base}/hook`, 'r-1', 'submitted');
      await bell.drain();
      expect(receiver.received.map((r) => r.body)).toEqual([
        { requestId: 'r-1', event: 'submitted' },
        { requestId: 'r-1', event: 'submitted' },
      ]);
      expect(logs.join('\n')).toMatch(/HTTP 302/);
    } finally {
      bell.close();
      await receiver.close();
    }
  });

  it('gives up on an app that never answers, after its timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => undefined);
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const logs: string[] = [];
    const bell = doorbell(logs, [], 200);
    try {
      const started = Date.now();
      bell.ring(`http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`, 'r-2', 'opened');
      await bell.drain();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(logs.join('\n')).toMatch(/gave up.*timed out/);
    } finally {
      bell.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
