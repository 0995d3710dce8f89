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

  it('retries and gives up on a callback URL that does not parse, and logs no part of it', async () => {
    const logs: string[] = [];
    const bell = doorbell(logs, [5]);
    try {
      bell.ring('not a url?token=s3cret', 'r-3', 'submitted');
      await bell.drain();
      expect(logs).toHaveLength(2);
      expect(logs[0]).toMatch(/^warn doorbell failed, will retry /);
      expect(JSON.parse(logs[1].replace(/^warn doorbell gave up /, ''))).toEqual({
        requestId: 'r-3',
        event: 'submitted',
        attempt: 1,
        target: 'invalid-url',
        reason: 'Invalid URL',
      });
      expect(logs.join('\n')).not.toContain('s3cret');
    } finally {
      bell.close();
    }
  });

  it('delivers to each of many callback URLs, past the bound on URLs kept parsed', async () => {
    const receiver = new DoorbellReceiver();
    const base = await receiver.listen();
    const logs: string[] = [];
    const bell = doorbell(logs);
    try {
      // 1,001 distinct URLs: the parsed-URL cache (1,000) is cleared once on the way.
      for (let i = 0; i <= 1000; i += 1) bell.ring(`${base}/hook/${i}`, `r-${i}`, 'opened');
      await bell.drain();
      expect(receiver.received).toHaveLength(1001);
      expect(new Set(receiver.received.map((r) => r.body.requestId)).size).toBe(1001);
      expect(logs.filter((line) => line.startsWith('warn'))).toEqual([]);
    } finally {
      bell.close();
      await receiver.close();
    }
  });
});
