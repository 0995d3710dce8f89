import http from 'node:http';
import https from 'node:https';

/** Keep-alive agents for small JSON POSTs to the same few app endpoints. */
export interface JsonPoster {
  /** POSTs `body` and resolves with the status code (the answer's body is discarded). */
  post(url: string, body: unknown, timeoutMs: number): Promise<number>;
  close(): void;
}

/**
 * node:http rather than fetch: per delivery it is several times cheaper in CPU, and fetch with
 * AbortSignal.timeout keeps each call's objects alive until the timeout fires (the bench saw
 * peak RSS 266 MB with fetch against 175 MB with this). Redirects are not followed.
 */
export function createJsonPoster(): JsonPoster {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  return {
    post(url, body, timeoutMs) {
      return new Promise((resolve, reject) => {
        const target = new URL(url);
        if (target.protocol !== 'http:' && target.protocol !== 'https:') {
          reject(new Error('unsupported protocol'));
          return;
        }
        const payload = Buffer.from(JSON.stringify(body), 'utf8');
        const send = target.protocol === 'https:' ? https.request : http.request;
        const request = send(
          target,
          {
            method: 'POST',
            agent: agents[target.protocol],
            headers: { 'content-type': 'application/json', 'content-length': payload.length },
            timeout: timeoutMs,
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
            response.on('error', reject);
          },
        );
        request.on('timeout', () => request.destroy(new Error('timed out')));
        request.on('error', reject);
        request.end(payload);
      });
    },
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
