/**
 * A bound on HTTP/1.1 pipelining. Node parses every request a connection sends, reads on while
 * earlier answers wait, and keeps each answer in memory until the client reads it: a client that
 * sent thousands of requests in a row and read nothing grew the vault to 4 GB and a crash from
 * 450 connections. Past MAX_PIPELINED requests waiting on one connection, it is cut, which frees
 * them. Browsers do not pipeline; clients that do keep a few requests in flight.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

export const MAX_PIPELINED = 16;

const waiting = Symbol('requests waiting for their answers');
type CountedSocket = Socket & { [waiting]?: number };

/**
 * Cuts a connection with more than MAX_PIPELINED requests unanswered; `cut` hears of each. Wraps
 * the server's request handler (Fastify's), so that the requests Node still parses from a cut
 * connection's last chunk (up to 64 KiB of them) reach no route: each would cost a whole answer.
 */
export function capPipelining(server: http.Server, cut: () => void): void {
  const handlers = server.listeners('request') as http.RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket as CountedSocket;
    if (socket.destroyed) return;
    const count = (socket[waiting] ?? 0) + 1;
    if (count > MAX_PIPELINED) {
      cut();
      socket.destroy();
      return;
    }
    socket[waiting] = count;
    response.once('close', () => {
      socket[waiting] = (socket[waiting] ?? 1) - 1;
    });
    for (const handler of handlers) handler.call(server, request, response);
  });
}
