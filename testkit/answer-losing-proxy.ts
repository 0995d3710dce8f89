/** A stand-in for a network that loses the vault's answer, for tests of "the outcome is unknown". */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { URL } from 'url';

export interface AnswerLosingProxy {
  url: string;
  /** `METHOD /path` of each request the vault answered and whose answer was dropped. */
  forwarded: string[];
  close(): Promise<void>;
}

/**
 * Passes each request on to the vault and, once the vault has answered, drops the connection
 * instead of answering: the vault carried the call out and the caller never learns it.
 */
export async function answerLosingProxy(vaultUrl: string): Promise<AnswerLosingProxy> {
  const target = new URL(vaultUrl);
  const server = http.createServer((req, res) => {
    const onward = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        answer.resume();
        answer.on('end', () => {
          proxy.forwarded.push(`${req.method} ${req.url}`);
          res.socket?.destroy();
        });
      },
    );
    onward.on('error', () => res.socket?.destroy());
    req.pipe(onward);
  });
  const proxy: AnswerLosingProxy = {
    url: '',
    forwarded: [],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
