/** Real HTTP: the app's calls go out over loopback, e.g. to the vault under test. */
import * as http from 'http';
import * as https from 'https';

import type { IHttpResponse } from '@rocket.chat/apps-engine/definition/accessors';
import type { IHttpBridgeRequestInfo } from '@rocket.chat/apps-engine/server/bridges';
import { HttpBridge } from '@rocket.chat/apps-engine/server/bridges';
import { URL, URLSearchParams } from 'url';

import type { RecordedHttpExchange, World } from '../world';

export class HarnessHttpBridge extends HttpBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async call(info: IHttpBridgeRequestInfo): Promise<IHttpResponse> {
    const { request } = info;
    const url = new URL(info.url);
    const method = info.method.toUpperCase();
    const getOrHead = method === 'GET' || method === 'HEAD';
    const headers: Record<string, string> = { ...(request.headers || {}) };
    // Values cross the Deno boundary as msgpack: an unset field may arrive as null.
    let body: string | undefined = request.content ?? undefined;
    if (!body && request.data !== undefined && request.data !== null) {
      body = JSON.stringify(request.data);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
    }
    // As Rocket.Chat's HTTP bridge: params go in the URL when there is a body (or none is sent);
    // without a body they become one, form-encoded. The engine sends `params: {}` when the app sets
    // none, so a POST without content leaves as an empty form. `query` is not read at all.
    if (body || getOrHead) {
      Object.entries(request.params || {}).forEach(([k, v]) => v && url.searchParams.append(k, v));
    } else if (request.params) {
      body = new URLSearchParams(request.params).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    if (getOrHead) body = undefined;
    const recorded = {
      method,
      url: `${url.origin}${url.pathname}`,
    } as World['httpCalls'][number];
    this.world.httpCalls.push(recorded);
    const exchange: RecordedHttpExchange = {
      method: recorded.method,
      url: url.toString(),
      requestBody: body || '',
      responseBody: '',
    };
    this.world.httpExchanges.push(exchange);
    const client = url.protocol === 'https:' ? https : http;
    const fail = (err: Error) => {
      recorded.error = err.message;
      throw err;
    };
    return new Promise<IHttpResponse>((resolve, reject) => {
      const req = client.request(
        url,
        { method: recorded.method, headers, timeout: request.timeout, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const content = Buffer.concat(chunks).toString('utf8');
            const data = jsonData(content, res.headers['content-type']);
            recorded.status = res.statusCode;
            exchange.status = res.statusCode;
            exchange.responseBody = content;
            resolve({
              url: info.url,
              method: info.method,
              statusCode: res.statusCode || 0,
              headers: res.headers as Record<string, string>,
              content,
              data,
            });
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`Request to ${recorded.url} timed out after ${request.timeout}ms`)),
      );
      req.on('error', (err) => {
        recorded.error = err.message;
        reject(err);
      });
      if (body !== undefined) {
        req.write(body);
      }
      req.end();
    }).catch(fail);
  }
}

/** Rocket.Chat parses an answer only when its type is JSON (or JavaScript); otherwise, or unparsable, null. */
function jsonData(content: string, contentType: string | undefined): unknown {
  const type = (contentType || '').split(';')[0];
  if (!['application/json', 'text/javascript', 'application/javascript', 'application/x-javascript'].includes(type))
    return null;
  try {
    return JSON.parse(content);
  } catch {
    return null;
  }
}
