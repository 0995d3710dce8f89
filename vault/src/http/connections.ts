/**
 * The open connections of the vault's servers and the requests under way on each, which Node does
 * not tell. A stopping vault uses them twice: the last answer on a connection says
 * `Connection: close`, so its client opens a new one instead of meeting a cut on this one; and once
 * the last call is over, every connection with no request under way is closed, including one that
 * sent nothing yet or only part of its headers, which Node counts as busy and would keep open until
 * the request timeout, holding the stop past its grace.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

const openOn = new WeakMap<http.Server, Set<Socket>>();
const underWay = new WeakMap<Socket, number>();

export function trackConnections(server: http.Server): void {
  const sockets = new Set<Socket>();
  openOn.set(server, sockets);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Before the app's own listener, so a request answered at once is counted before its answer.
  server.prependListener('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const socket = request.socket;
    underWay.set(socket, requestsUnderWayOn(socket) + 1);
    response.once('close', () => underWay.set(socket, requestsUnderWayOn(socket) - 1));
  });
}

/** Requests received on `socket` and not yet answered (more than one when pipelined). */
export function requestsUnderWayOn(socket: Socket): number {
  return underWay.get(socket) ?? 0;
}

/** Closes every connection of `servers` that has no request under way. */
export function closeConnectionsWithoutRequests(servers: readonly http.Server[]): void {
  for (const server of servers)
    for (const socket of openOn.get(server) ?? []) if (requestsUnderWayOn(socket) === 0) socket.destroy();
}
