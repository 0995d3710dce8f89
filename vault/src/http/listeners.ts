/**
 * The Node servers under the vault's Fastify apps, built here so that every one carries the vault's
 * guards (the pipelining cap, our answers to Node's own refusals and parser errors). Fastify binds
 * `localhost` to each address it resolves to (127.0.0.1 and ::1) and built the second server
 * itself, without them. Given a server factory, Fastify binds one address; `listenOnEvery` binds
 * the rest with servers from the same factory.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import { closeConnectionsWithoutRequests, trackConnections } from './connections';

/** What every server gets: Fastify adds its clientError listener to the first one only. */
export interface ServerGuards {
  guard: (server: http.Server) => void;
  clientError: (error: NodeJS.ErrnoException, socket: Socket) => void;
}

/** For each app's first server: how to build one more like it, the ones built, and their closing. */
const families = new WeakMap<http.Server, { build: () => http.Server; more: http.Server[]; closed?: Promise<void> }>();

export function guardedServerFactory({ guard, clientError }: ServerGuards): FastifyServerFactory {
  return (handler, options) => {
    const build = (): http.Server => {
      const server = http.createServer((options.http ?? {}) as http.ServerOptions, handler);
      // What Fastify sets on a server it builds itself.
      server.keepAliveTimeout = options.keepAliveTimeout as number;
      server.requestTimeout = options.requestTimeout as number;
      server.setTimeout(options.connectionTimeout as number);
      guard(server);
      trackConnections(server);
      return server;
    };
    const first = build();
    families.set(first, { build: () => build().on('clientError', clientError), more: [] });
    return first;
  };
}

/**
 * Listens on `host`, and for `localhost` on every address it resolves to: a proxy set to reach
 * 127.0.0.1 finds the vault as well as one that tries ::1 first. As with Fastify's own bindings, an
 * address this machine cannot take (::1 where IPv6 is off) is left out.
 */
export async function listenOnEvery(app: FastifyInstance, host: string, port: number): Promise<void> {
  await app.listen({ host, port });
  const family = families.get(app.server);
  if (host !== 'localhost' || !family) return;
  const bound = app.server.address() as AddressInfo;
  const addresses = await lookup(host, { all: true }).catch(() => []);
  for (const { address } of addresses.filter((each) => each.address !== bound.address)) {
    const server = family.build();
    const listening = await new Promise<boolean>((resolve, reject) => {
      // Only an address this machine lacks is left out; one taken by another process stops start-up.
      const refused = (error: NodeJS.ErrnoException) =>
        ['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(error.code ?? '') ? resolve(false) : reject(error);
      server.once('error', refused).listen({ host: address, port: bound.port }, () => {
        server.off('error', refused);
        resolve(true);
      });
    });
    if (listening) family.more.push(server);
  }
}

/**
 * Stops every server of `app` taking connections, waits until the open ones have closed or `ms`
 * has passed, then closes those with no request under way. It uses net.Server's close:
 * http.Server's would also close the idle ones at once.
 */
export async function stopTakingConnections(app: FastifyInstance, ms: number): Promise<void> {
  const servers = [app.server, ...(families.get(app.server)?.more ?? [])];
  for (const server of servers.filter((each) => each.listening)) net.Server.prototype.close.call(server);
  const until = Date.now() + ms;
  while (Date.now() < until && (await Promise.all(servers.map(connectionCount))).some((count) => count > 0))
    await sleep(20);
  closeConnectionsWithoutRequests(servers);
}

function connectionCount(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((error, count) => resolve(error ? 0 : count)));
}

/**
 * Stops the servers listenOnEvery added from taking connections: run where the app's own server
 * stops (preClose). Their requests in flight go on; moreServersClosed waits for them.
 */
export function closeMoreServers(app: FastifyInstance): void {
  const family = families.get(app.server);
  if (!family || family.closed) return;
  family.closed = Promise.all(family.more.map(closeWhenDone)).then(() => undefined);
}

/**
 * Closes a server once its requests are answered. Node closes the connections idle when close()
 * starts; a kept-alive one whose request was in flight would hold the close open until its
 * keep-alive ran out, so idle ones are closed again until the server is closed.
 */
function closeWhenDone(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    idle.unref();
    server.close(() => {
      clearInterval(idle);
      resolve();
    });
  });
}

/** Resolves once the added servers' requests are done: wait for it before closing what they use. */
export function moreServersClosed(app: FastifyInstance): Promise<void> {
  return families.get(app.server)?.closed ?? Promise.resolve();
}
