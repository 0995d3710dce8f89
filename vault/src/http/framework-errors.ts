import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { VaultError } from '../errors';
import { negotiateLocale } from '../pages/i18n';
import { renderNoticePage } from '../pages/render';
import { renderViewerNotice } from '../pages/viewer-render';
import { errorBody } from './errors';

/**
 * Fastify's own answers for a URL that does not decode (400) or a path parameter over the limit
 * (414) quote the path, which holds an OTK on visitor routes, and skip the onSend hook that sets
 * the security headers. These replace them: same statuses, our headers, our error shape (or, for
 * a link opened in a browser, the dead-link page), no path.
 */
export function frameworkErrors(headers: Record<string, string>, base: string) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const answer = tooLong
      ? new VaultError('bad_request', 'The URL is too long.')
      : new VaultError('bad_request', 'The URL is malformed.');
    request.log.info({ code: error.code }, 'request refused');
    reply.headers(headers).code(tooLong ? 414 : answer.status);
    const page = linkPage(request, base);
    void (page ? reply.type('text/html; charset=utf-8').send(page) : reply.send(errorBody(answer)));
  };
}

/**
 * A visitor's or an agent's link opened in a browser gets the page a dead link gets, in their
 * language, unless the request asks for JSON.
 */
function linkPage(request: FastifyRequest, base: string): string | undefined {
  const accept = request.headers.accept ?? '';
  if (/application\/json/i.test(accept) && !/text\/html/i.test(accept)) return undefined;
  const locale = negotiateLocale(undefined, request.headers['accept-language']);
  if (request.url.startsWith('/f/')) return renderNoticePage('link_invalid', locale, base);
  if (request.url.startsWith('/v/')) return renderViewerNotice('refused', locale, base);
  return undefined;
}

/**
 * Told of each answer written on the raw socket: no hook, access line or request metric sees those,
 * and a flood of slow or malformed clients would otherwise leave no trace.
 */
export type RawAnswerSeen = (statusCode: number, code: string) => void;

/**
 * Node's parser errors (a bad request line or header, headers too large, a slow client) are
 * answered on the raw socket before Fastify sees a request; this writes them with the headers.
 */
export function clientErrorHandler(headers: Record<string, string>, seen: RawAnswerSeen) {
  const lines = headerLines(headers);
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // The request before these bytes is being answered (refused before its body was read): that
    // answer stands, and a second one would corrupt it for the client. Node's own handler agrees.
    if ((socket as Socket & { _httpMessage?: { _headerSent?: boolean } | null })._httpMessage?._headerSent) {
      socket.end();
      return;
    }
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT')
      answerRaw(socket, 408, 'request_timeout', 'The request took too long.', lines, seen);
    else if (error.code === 'HPE_HEADER_OVERFLOW')
      answerRaw(socket, 431, 'bad_request', 'The headers are too large.', lines, seen);
    else answerRaw(socket, 400, 'bad_request', 'The request is malformed.', lines, seen);
  };
}

/**
 * Two requests Node answers itself when nobody listens, before Fastify sees them: an `Expect` other
 * than 100-continue (a bare 417 without our headers) and CONNECT (the socket closed without a word).
 * These answer in our error shape with our headers, and close the connection.
 */
export function answerNodeOwnRefusals(server: http.Server, headers: Record<string, string>, seen: RawAnswerSeen): void {
  const lines = headerLines(headers);
  server.on('checkExpectation', (request: http.IncomingMessage) =>
    answerRaw(request.socket, 417, 'bad_request', 'Only "Expect: 100-continue" is understood.', lines, seen),
  );
  server.on('connect', (_request: http.IncomingMessage, socket: Socket) =>
    answerRaw(socket, 400, 'bad_request', 'The vault is not a proxy: CONNECT is refused.', lines, seen),
  );
}

function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
}

/** Writes one error answer straight to the socket and closes it: there is no response object yet. */
function answerRaw(
  socket: Socket,
  status: number,
  code: string,
  message: string,
  lines: string,
  seen: RawAnswerSeen,
): void {
  if (socket.destroyed) return;
  seen(status, code);
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n${lines}\r\n${body}`,
    );
  }
  socket.destroy();
}
