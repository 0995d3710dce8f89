import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { VaultError } from '../errors';
import { errorBody } from './errors';

/**
 * Fastify's own answers for a URL that does not decode (400) or a path parameter over the limit
 * (414) quote the path, which holds an OTK on visitor routes, and skip the onSend hook that sets
 * the security headers. These replace them: same statuses, our headers, our error shape, no path.
 */
export function frameworkErrors(headers: Record<string, string>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    const answer = tooLong
      ? new VaultError('bad_request', 'The URL is too long.')
      : new VaultError('bad_request', 'The URL is malformed.');
    request.log.info({ code: error.code }, 'request refused');
    void reply
      .headers(headers)
      .code(tooLong ? 414 : answer.status)
      .send(errorBody(answer));
  };
}

/**
 * Node's parser errors (a bad request line or header, headers too large, a slow client) are
 * answered on the raw socket before Fastify sees a request; this writes them with the headers.
 */
export function clientErrorHandler(headers: Record<string, string>) {
  const lines = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const message =
      status === 408
        ? 'The request took too long.'
        : status === 431
          ? 'The headers are too large.'
          : 'The request is malformed.';
    const body = JSON.stringify({ error: { code: status === 408 ? 'request_timeout' : 'bad_request', message } });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\n${lines}\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
